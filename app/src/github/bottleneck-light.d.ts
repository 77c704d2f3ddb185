// bottleneck ships types for its main build only; the light build (what the Octokit plugins use)
// has the same API without the Redis clustering.
declare module 'bottleneck/light.js' {
  import Bottleneck from 'bottleneck';
  export default Bottleneck;
}
