// Command cadvisor serves cAdvisor's container metrics on /metrics and a liveness check on
// /healthz. cAdvisor's own command module is not published as a Go module, its library is: this
// program wires the library's manager and Prometheus collectors the way cAdvisor's main does, and
// serves them through the Prometheus exporter toolkit so TLS and basic auth come from the same
// --web.config.file as node_exporter's and systemd_exporter's.
package main

import (
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/google/cadvisor/cache/memory"
	"github.com/google/cadvisor/container"
	_ "github.com/google/cadvisor/container/systemd/install" // ignores systemd's .mount cgroups, as cAdvisor's main does
	v2 "github.com/google/cadvisor/info/v2"
	"github.com/google/cadvisor/manager"
	"github.com/google/cadvisor/metrics"
	"github.com/google/cadvisor/utils/sysfs"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/prometheus/exporter-toolkit/web"
	"k8s.io/utils/clock"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// The metric kinds the dashboards and alerts read; the others cost CPU and cardinality for nothing.
var includedMetrics = container.MetricSet{
	container.CpuUsageMetrics:     struct{}{},
	container.MemoryUsageMetrics:  struct{}{},
	container.NetworkUsageMetrics: struct{}{},
	container.DiskIOMetrics:       struct{}{},
	container.DiskUsageMetrics:    struct{}{},
	container.OOMMetrics:          struct{}{},
}

func main() {
	listen := flag.String("web.listen-address", ":8080", "address to serve /metrics and /healthz on")
	webConfig := flag.String("web.config.file", "", "exporter-toolkit web configuration (TLS, basic auth); empty serves plain HTTP")
	housekeeping := flag.Duration("housekeeping-interval", 15*time.Second, "how often each container's stats are read")
	showVersion := flag.Bool("version", false, "print the version and exit")
	flag.Parse()
	if *showVersion {
		fmt.Printf("cadvisor (chatops build) %s\n", version)
		return
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if err := run(logger, *listen, *webConfig, *housekeeping); err != nil {
		logger.Error("cadvisor stopped", "err", err)
		os.Exit(1)
	}
}

func run(logger *slog.Logger, listen, webConfig string, housekeeping time.Duration) error {
	allowDynamic := true
	mgr, err := manager.New(
		memory.New(2*time.Minute, nil),
		sysfs.NewRealSysFs(),
		manager.HousekeepingConfig{Interval: &housekeeping, AllowDynamic: &allowDynamic},
		includedMetrics,
		http.DefaultClient,
		[]string{""}, // every raw cgroup, as cAdvisor's default --raw_cgroup_prefix_whitelist
		nil,
		"",
		0,
	)
	if err != nil {
		return fmt.Errorf("creating the container manager: %w", err)
	}
	if err := mgr.Start(); err != nil {
		return fmt.Errorf("starting the container manager: %w", err)
	}
	defer func() { _ = mgr.Stop() }()

	registry := prometheus.NewRegistry()
	requestOptions := v2.RequestOptions{IdType: v2.TypeName, Count: 1, Recursive: true}
	registry.MustRegister(
		metrics.NewPrometheusCollector(mgr, metrics.DefaultContainerLabels, includedMetrics, clock.RealClock{}, requestOptions),
		metrics.NewPrometheusMachineCollector(mgr, includedMetrics),
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)

	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(registry, promhttp.HandlerOpts{ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelError)}))
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		// The root cgroup is the first container the manager reads; without it nothing is collected.
		if !mgr.Exists("/") {
			http.Error(w, "root container not tracked yet", http.StatusServiceUnavailable)
			return
		}
		_, _ = w.Write([]byte("ok\n"))
	})

	server := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		<-stop
		_ = server.Close()
	}()
	flags := &web.FlagConfig{WebListenAddresses: &[]string{listen}, WebConfigFile: &webConfig, WebSystemdSocket: new(bool)}
	logger.Info("serving", "address", listen, "tls", strings.TrimSpace(webConfig) != "")
	if err := web.ListenAndServe(server, flags, logger); err != nil && err != http.ErrServerClosed {
		return err
	}
	return nil
}
