import { BlockList, isIP } from 'node:net';
import { Transform } from 'class-transformer';
import { ValidateBy, type ValidationOptions } from 'class-validator';

interface Subnet {
  address: string;
  prefix: number;
  family: 'ipv4' | 'ipv6';
}

/** `10.0.0.5` or `172.28.0.0/24` (IPv4 or IPv6); undefined when it is neither. */
function parseEntry(entry: string): Subnet | undefined {
  const [address, prefixText, extra] = entry.split('/');
  if (extra !== undefined || !address) return undefined;
  const version = isIP(address);
  if (version === 0) return undefined;
  const max = version === 4 ? 32 : 128;
  if (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText)) return undefined;
  const prefix = prefixText === undefined ? max : Number(prefixText);
  if (prefix > max) return undefined;
  return { address, prefix, family: version === 4 ? 'ipv4' : 'ipv6' };
}

/** A comma-separated variable as a list; empty entries dropped. */
export const toList = () =>
  Transform(({ value }: { value: unknown }) =>
    typeof value === 'string'
      ? value
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : value,
  );

/** Every entry an IP address or a CIDR block. */
export function IsProxyList(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isProxyList',
      validator: {
        validate: (value: unknown) =>
          Array.isArray(value) &&
          value.every((v) => typeof v === 'string' && parseEntry(v) !== undefined),
        defaultMessage: () =>
          '$property must be comma-separated IP addresses or CIDR blocks (e.g. 172.28.0.10,10.0.0.0/8)',
      },
    },
    options,
  );
}

/**
 * Whether a peer address is one of the configured proxies, whose X-Forwarded-For is believed.
 * Same signature as Fastify's `trustProxy` function.
 * IPv4-mapped IPv6 peers (`::ffff:10.0.0.5`) match their IPv4 entries.
 */
export function trustedProxyMatcher(entries: readonly string[]): (address: string) => boolean {
  if (entries.length === 0) return () => false;
  const list = new BlockList();
  for (const entry of entries) {
    const subnet = parseEntry(entry);
    if (!subnet) throw new Error(`not an IP address or CIDR block: ${entry}`);
    list.addSubnet(subnet.address, subnet.prefix, subnet.family);
  }
  return (address: string) => {
    const version = isIP(address);
    return version !== 0 && list.check(address, version === 4 ? 'ipv4' : 'ipv6');
  };
}
