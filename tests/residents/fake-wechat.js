// A tiny stand-in for WeChat's jscode2session, for the contract test: any code logs in as
// openid `o-<code>`, except `refused` (errcode 40029); server tokens and subscribe messages are
// accepted. Prints its port on stdout.
const http = require('node:http');

const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://x');
  res.setHeader('content-type', 'application/json');
  if (url.pathname === '/sns/jscode2session') {
    const code = url.searchParams.get('js_code') || '';
    if (code === 'refused') return res.end(JSON.stringify({ errcode: 40029, errmsg: 'invalid code' }));
    return res.end(JSON.stringify({ openid: 'o-' + code, session_key: 'not-stored' }));
  }
  if (url.pathname === '/cgi-bin/token') return res.end(JSON.stringify({ access_token: 't', expires_in: 7200 }));
  if (url.pathname === '/cgi-bin/message/subscribe/send') return res.end(JSON.stringify({ errcode: 0, errmsg: 'ok' }));
  res.statusCode = 404;
  res.end('{}');
});
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
