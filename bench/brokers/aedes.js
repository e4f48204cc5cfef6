#!/usr/bin/env node
// Aedes (in-memory persistence, defaults otherwise) on 127.0.0.1, for the
// benchmark. Prints the same "listening  tcp  mqtt://HOST:PORT" line as
// `mqtt-workbench broker` so bench/run.js can treat both alike.
//
//   node bench/brokers/aedes.js [--port 0] [--nodelay]

import net from 'node:net'
import { parseArgs } from 'node:util'
import { Aedes } from 'aedes'

const { values } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '0' },
    // TCP_NODELAY on accepted sockets (Node's default is Nagle on)
    nodelay: { type: 'boolean', default: false }
  }
})

const aedes = await Aedes.createBroker()
const server = net.createServer({ noDelay: values.nodelay }, aedes.handle)
server.on('error', (err) => {
  console.error('aedes server error:', err.message)
  process.exit(1)
})
server.listen(Number(values.port), values.host, () => {
  const { address, port } = server.address()
  console.log(`listening  tcp  mqtt://${address}:${port}`)
})

const stop = () => {
  server.close()
  process.exit(0)
}
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
