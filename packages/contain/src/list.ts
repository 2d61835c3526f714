/** `contain --list`: the caller's running containers, as a table or JSON. */
import { ContainerInfo } from '@rootless-containers/core';

function uptime(started: number): string {
  let seconds = Math.max(0, Math.floor((Date.now() - started) / 1000));
  const parts: string[] = [];
  for (const [unit, size] of [['d', 86400], ['h', 3600], ['m', 60]] as const) {
    if (seconds >= size || parts.length) parts.push(`${Math.floor(seconds / size)}${unit}`);
    seconds %= size;
  }
  parts.push(`${seconds}s`);
  return parts.slice(0, 2).join('');
}

function network(info: ContainerInfo): string {
  return info.publish.length ? `${info.network} ${info.publish.join(',')}` : info.network;
}

export function formatList(containers: ContainerInfo[], json: boolean): string {
  if (json) {
    return `${JSON.stringify(containers.map((c) => ({
      name: c.name,
      pid: c.supervisor,
      pid1: c.pid1,
      root: c.root,
      command: c.command,
      started: new Date(c.started).toISOString(),
      uptime: Math.max(0, Math.floor((Date.now() - c.started) / 1000)),
      network: c.network,
      publish: c.publish,
    })), null, 2)}\n`;
  }
  const rows = [['NAME', 'PID', 'PID1', 'UPTIME', 'NETWORK', 'ROOT', 'COMMAND'],
    ...containers.map((c) => [c.name, String(c.supervisor), String(c.pid1), uptime(c.started), network(c), c.root,
      c.command.join(' ')])];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]))).join('  ')).join('\n')
    + '\n';
}
