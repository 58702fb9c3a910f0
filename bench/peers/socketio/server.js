// The socket.io peer of `clearcast bench fanout`: the same job done the usual Node way — viewers
// connect over socket.io (WebSocket transport), and each POST /emit broadcasts one event, with
// the server's send time in `ts`, to every connected viewer.
const http = require('http');
const { Server } = require('socket.io');

let seq = 0;
const server = http.createServer((req, res) => {
  if (req.method === 'POST' && req.url.startsWith('/emit')) {
    req.resume();
    req.on('end', () => {
      seq += 1;
      io.emit('notice', { type: 'notice', seq, ts: Date.now(), text: '消费提醒：理性消费，谨防私下交易。' });
      res.writeHead(201, { 'content-type': 'application/json' });
      res.end('{}');
    });
    return;
  }
  res.writeHead(404);
  res.end();
});
const io = new Server(server, { transports: ['websocket'], perMessageDeflate: false, pingInterval: 20000 });
server.listen(0, '127.0.0.1', () => console.log('listening on ' + server.address().port));
