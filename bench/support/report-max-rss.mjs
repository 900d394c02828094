// Loaded with `node --import` (or NODE_OPTIONS) into a measured process: on exit, appends one JSON
// line to the file named by MAX_RSS_REPORT with the process's id, its peak resident size
// (process.resourceUsage().maxRSS: the kernel's high-water mark, so nothing is missed between
// samples) and the largest V8 heap and external memory a sampler saw.
import { appendFileSync } from 'node:fs'

const file = process.env.MAX_RSS_REPORT
if (file) {
  const peak = { heapUsed: 0, heapTotal: 0, external: 0, arrayBuffers: 0 }
  const sample = () => {
    const now = process.memoryUsage()
    for (const key of Object.keys(peak)) peak[key] = Math.max(peak[key], now[key])
  }
  setInterval(sample, 100).unref()
  process.on('exit', () => {
    sample()
    const maxRssBytes = process.resourceUsage().maxRSS * 1024
    appendFileSync(file, `${JSON.stringify({ pid: process.pid, maxRssBytes, ...peak })}\n`)
  })
}
