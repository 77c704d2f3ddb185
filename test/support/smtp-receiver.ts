// A minimal SMTP receiver for tests: greets, offers STARTTLS (required before mail, like a real
// relay with smtp_require_tls), upgrades with the test certificate, and records each message.
// Enough of RFC 5321/3207 for Alertmanager's Go client; not a mail server.
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { TLSSocket } from 'node:tls';

export interface ReceivedMail {
  from: string;
  to: string[];
  /** Headers and body as sent, CRLF line ends. */
  data: string;
  /** Whether the message came over TLS. */
  tls: boolean;
}

export interface SmtpReceiver {
  host: string;
  port: number;
  received: ReceivedMail[];
  close(): Promise<void>;
}

export async function startSmtpReceiver(tls: { cert: string; key: string }): Promise<SmtpReceiver> {
  const received: ReceivedMail[] = [];
  const sockets = new Set<Socket>();

  const serve = (plain: Socket): void => {
    sockets.add(plain);
    plain.on('close', () => sockets.delete(plain));
    let socket: Socket = plain;
    let secure = false;
    let buffer = '';
    let inData = false;
    let from = '';
    let to: string[] = [];
    const reply = (line: string): void => {
      socket.write(`${line}\r\n`);
    };
    const onData = (chunk: Buffer): void => {
      buffer += chunk.toString('latin1');
      for (;;) {
        if (inData) {
          const end = buffer.indexOf('\r\n.\r\n');
          if (end < 0) return;
          received.push({ from, to, data: buffer.slice(0, end).replace(/\r\n\.\./g, '\r\n.'), tls: secure });
          buffer = buffer.slice(end + 5);
          inData = false;
          reply('250 2.0.0 queued');
          continue;
        }
        const eol = buffer.indexOf('\r\n');
        if (eol < 0) return;
        const line = buffer.slice(0, eol);
        buffer = buffer.slice(eol + 2);
        const verb = line.split(' ')[0]?.toUpperCase() ?? '';
        if (verb === 'EHLO' || verb === 'HELO') {
          reply(secure ? '250-smtp.test\r\n250 8BITMIME' : '250-smtp.test\r\n250 STARTTLS');
        } else if (verb === 'STARTTLS' && !secure) {
          reply('220 2.0.0 ready for TLS');
          plain.off('data', onData);
          const upgraded = new TLSSocket(plain, { isServer: true, cert: tls.cert, key: tls.key });
          upgraded.on('data', onData);
          upgraded.on('error', () => plain.destroy());
          socket = upgraded;
          secure = true;
          buffer = '';
        } else if (!secure && verb !== 'QUIT' && verb !== 'NOOP' && verb !== 'RSET') {
          reply('530 5.7.0 must issue STARTTLS first');
        } else if (verb === 'MAIL') {
          from = /<([^>]*)>/.exec(line)?.[1] ?? '';
          to = [];
          reply('250 2.1.0 ok');
        } else if (verb === 'RCPT') {
          to.push(/<([^>]*)>/.exec(line)?.[1] ?? '');
          reply('250 2.1.5 ok');
        } else if (verb === 'DATA') {
          inData = true;
          reply('354 end data with <CR><LF>.<CR><LF>');
        } else if (verb === 'QUIT') {
          reply('221 2.0.0 bye');
          socket.end();
          return;
        } else if (verb === 'NOOP' || verb === 'RSET') {
          reply('250 2.0.0 ok');
        } else {
          reply('502 5.5.2 command not implemented');
        }
      }
    };
    plain.on('data', onData);
    plain.on('error', () => plain.destroy());
    reply('220 smtp.test ESMTP test receiver');
  };

  const server: Server = createServer(serve);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    host: '127.0.0.1',
    port,
    received,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
