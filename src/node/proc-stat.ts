// Reading /proc/<pid>/stat (Linux) the one safe way: the command name (field 2) sits in
// parentheses and may itself contain spaces or ')', so fields are counted from after the last ')'.
import { readFileSync } from 'node:fs'

/**
 * Field `n` (numbered as in proc(5), from 1) of a stat file such as `/proc/<pid>/stat` or
 * `/proc/<pid>/task/<tid>/stat`. Throws when the file cannot be read (the process is gone).
 */
export function procStatField(path: string, n: number): string | undefined {
  const stat = readFileSync(path, 'utf8')
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[n - 3]
}
