// Node gives a repeated header as an array; the app reads the first value.

export function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
