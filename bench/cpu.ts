import fs from "node:fs";

/** CPU time (user + system) a process has used so far, in clock ticks (getconf CLK_TCK per second). */
export function cpuTicks(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return Number(fields[11]) + Number(fields[12]);
}
