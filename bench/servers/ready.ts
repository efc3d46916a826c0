/** Tells the bench (the parent process) that a server listens, and on which port. */
export function announce(port: number): void {
  process.stdout.write(`${JSON.stringify({ port })}\n`);
}
