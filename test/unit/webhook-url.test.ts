import { describe, expect, it } from 'vitest';
import { assertWebhookUrlAllowed, isInternalHostName, isPublicAddress, resolveDeliveryAddresses } from '../../src/domain/webhooks/webhook-url.ts';
import { DomainError } from '../../src/shared/errors.ts';

const strict = { allowPrivate: false };

function refusal(url: string, policy = strict): DomainError {
  try {
    assertWebhookUrlAllowed(url, policy);
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error(`${url} was allowed`);
}

describe('isPublicAddress', () => {
  it('refuses loopback, private, link-local, shared, multicast and reserved IPv4', () => {
    for (const address of [
      '0.0.0.0',
      '0.1.2.3',
      '10.0.0.1',
      '100.64.0.1',
      '100.127.255.254',
      '127.0.0.1',
      '127.255.0.9',
      '169.254.169.254',
      '172.16.0.1',
      '172.31.255.255',
      '192.0.0.8',
      '192.0.2.1',
      '192.168.1.1',
      '198.18.0.1',
      '198.51.100.7',
      '203.0.113.9',
      '224.0.0.1',
      '239.255.255.250',
      '240.0.0.1',
      '255.255.255.255',
    ]) {
      expect(isPublicAddress(address), address).toBe(false);
    }
  });

  it('refuses internal IPv6, and IPv4 hidden in mapped, translated, compatible, NAT64 and 6to4 forms', () => {
    for (const address of [
      '::',
      '::1',
      '0:0:0:0:0:0:0:1',
      'fe80::1',
      'fe80::1%eth0',
      'fc00::1',
      'fd12:3456::1',
      'fec0::1',
      'ff02::1',
      '100::1',
      '2001:db8::1',
      '2001::1',
      '::ffff:127.0.0.1',
      '::ffff:7f00:1',
      '::FFFF:169.254.169.254',
      '::ffff:10.0.0.1',
      '::ffff:0:127.0.0.1',
      '::127.0.0.1',
      '::7f00:1',
      '::8.8.8.8',
      '64:ff9b::7f00:1',
      '64:ff9b::a9fe:a9fe',
      '64:ff9b::192.168.0.1',
      '64:ff9b:1::8.8.8.8',
      '2002:7f00:1::1',
      '2002:a00:1::',
      '2002:c0a8:101::5',
    ]) {
      expect(isPublicAddress(address), address).toBe(false);
    }
  });

  it('allows public addresses, whatever form they come in', () => {
    for (const address of [
      '8.8.8.8',
      '93.184.215.14',
      '100.128.0.1',
      '172.32.0.1',
      '2606:4700::1111',
      '2a00:1450:4001:80b::200e',
      '::ffff:8.8.8.8',
      '64:ff9b::808:808',
      '2002:808:808::1',
    ]) {
      expect(isPublicAddress(address), address).toBe(true);
    }
  });

  it('refuses what is not an address', () => {
    for (const value of ['', 'localhost', '127.1', '1.2.3.4.5', '::g']) expect(isPublicAddress(value), value).toBe(false);
  });
});

describe('isInternalHostName', () => {
  it('refuses local aliases, local-only suffixes and single labels, after lowercasing and one trailing dot', () => {
    for (const name of [
      'localhost',
      'LOCALHOST',
      'localhost.',
      'ip6-localhost',
      'ip6-loopback',
      'api.localhost',
      'db.internal',
      'printer.local.',
      'router.home.arpa',
      'intranet',
      'intranet.',
      'localhost..',
      'db.internal..',
    ]) {
      expect(isInternalHostName(name), name).toBe(true);
    }
    for (const name of ['partner.example', 'hooks.partner.com.', 'localhost.partner.com', 'internal.partner.com'])
      expect(isInternalHostName(name), name).toBe(false);
  });
});

describe('assertWebhookUrlAllowed', () => {
  it('normalises with the URL parser first: hex, decimal and short IPv4 forms are loopback too', () => {
    for (const url of [
      'https://0x7f.1/',
      'https://2130706433/',
      'https://127.1/',
      'https://0177.0.0.1/',
      'https://127.0.0.1./',
      'https://[::ffff:127.0.0.1]:3101/',
      'https://LocalHost./',
    ]) {
      expect(refusal(url).code, url).toBe('webhook_url_not_allowed');
    }
  });

  it('allows port 443 and 1024-65535, with any policy', () => {
    for (const url of ['https://partner.example:22/', 'https://partner.example:80/', 'https://partner.example:1023/', 'http://localhost:25/']) {
      expect(refusal(url, { allowPrivate: true }).message, url).toMatch(/port/);
    }
    for (const url of ['https://partner.example/', 'https://partner.example:443/', 'https://partner.example:1024/', 'https://partner.example:65535/']) {
      expect(assertWebhookUrlAllowed(url, strict).hostname).toBe('partner.example');
    }
  });

  it('https only, unless private URLs are allowed (development): then http and internal targets pass', () => {
    expect(refusal('http://partner.example/').code).toBe('invalid_webhook_url');
    expect(refusal('ftp://partner.example/', { allowPrivate: true }).code).toBe('invalid_webhook_url');
    for (const url of ['http://localhost:3101/hooks', 'https://127.0.0.1:8443/', 'http://[::1]:3000/', 'http://devbox:4000/']) {
      expect(assertWebhookUrlAllowed(url, { allowPrivate: true }).href).toBe(url);
    }
  });
});

describe('resolveDeliveryAddresses', () => {
  const url = new URL('https://hooks.partner.example/x');
  const answering = (addresses: string[]) => async () => addresses;

  it('returns the resolved addresses when every one is public', async () => {
    expect(await resolveDeliveryAddresses(url, strict, answering(['8.8.8.8', '2606:4700::1111']))).toEqual(['8.8.8.8', '2606:4700::1111']);
  });

  it('refuses the lot when any answer is internal, naming it', async () => {
    await expect(resolveDeliveryAddresses(url, strict, answering(['8.8.8.8', '169.254.169.254']))).rejects.toThrow(
      /resolves to 169\.254\.169\.254, which is not public/,
    );
    await expect(resolveDeliveryAddresses(url, strict, answering(['::ffff:10.0.0.1']))).rejects.toMatchObject({ code: 'webhook_url_not_allowed' });
    await expect(resolveDeliveryAddresses(url, strict, answering([]))).rejects.toThrow('has no address');
    // The development switch lets them through.
    expect(await resolveDeliveryAddresses(url, { allowPrivate: true }, answering(['127.0.0.1']))).toEqual(['127.0.0.1']);
  });

  it('an address literal is checked itself, without a lookup', async () => {
    const noLookup = async (): Promise<string[]> => {
      throw new Error('looked up');
    };
    expect(await resolveDeliveryAddresses(new URL('https://[2606:4700::1111]/'), strict, noLookup)).toEqual(['2606:4700::1111']);
    await expect(resolveDeliveryAddresses(new URL('https://[::ffff:7f00:1]/'), strict, noLookup)).rejects.toMatchObject({ code: 'webhook_url_not_allowed' });
  });
});
