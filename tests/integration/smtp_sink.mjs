// smtp_sink.mjs: a local SMTP server for the tests (mail to the outside
// world cannot be sent from here): it speaks enough of RFC 5321 (EHLO/HELO,
// MAIL FROM, RCPT TO, DATA with dot-unstuffing, RSET, NOOP, QUIT) for
// libcurl, and keeps every message it accepts.
import net from 'node:net';

/** Starts the sink on a free loopback port: {port, messages, close()}. */
export async function startSmtpSink() {
  const messages = [];
  const server = net.createServer((sock) => {
    sock.setEncoding('utf8');
    let buf = '';
    let data = null;
    let mail = { from: null, to: [] };
    const say = (line) => sock.write(line + '\r\n');
    say('220 sink ESMTP');
    sock.on('data', (chunk) => {
      buf += chunk;
      let i;
      while ((i = buf.indexOf('\r\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 2);
        if (data !== null) {
          if (line === '.') {
            const raw = data.join('\r\n');
            const [head, ...body] = raw.split('\r\n\r\n');
            const headers = Object.fromEntries(head.split('\r\n').map((h) => [h.slice(0, h.indexOf(':')).toLowerCase(), h.slice(h.indexOf(':') + 1).trim()]));
            messages.push({ ...mail, headers, body: body.join('\r\n\r\n'), raw });
            data = null;
            mail = { from: null, to: [] };
            say('250 OK queued');
          } else data.push(line.startsWith('..') ? line.slice(1) : line);
          continue;
        }
        const cmd = line.slice(0, 4).toUpperCase();
        if (cmd === 'EHLO') sock.write('250-sink\r\n250 8BITMIME\r\n');
        else if (cmd === 'HELO') say('250 sink');
        else if (cmd === 'MAIL') (mail.from = line.replace(/^MAIL FROM:\s*/i, '')), say('250 OK');
        else if (cmd === 'RCPT') mail.to.push(line.replace(/^RCPT TO:\s*/i, '')), say('250 OK');
        else if (cmd === 'DATA') (data = []), say('354 end with .');
        else if (cmd === 'QUIT') say('221 bye'), sock.end();
        else if (cmd === 'RSET' || cmd === 'NOOP') say('250 OK');
        else say('502 not implemented');
      }
    });
    sock.on('error', () => {});
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: server.address().port, messages, close: () => new Promise((r) => server.close(r)) };
}
