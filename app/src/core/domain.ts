// The one DNS rule for the appliance's domain: certificates, the lab and the Slack manifest share it.
export function validateDomain(domain: string): string | undefined {
  if (!/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/.test(domain)) {
    return `--domain: "${domain}" is not a DNS domain; use lower-case labels such as lab.chatops.test`;
  }
  return undefined;
}
