import fs from "node:fs";
import path from "node:path";
import pg from "pg";
import { dataDir, type InfraConfig } from "./config.js";
import { ensureDebianPackages } from "./debian.js";
import { portBusyError, portInUse, readPid, run, tailFile, terminate } from "./proc.js";
import { secret } from "./secrets.js";
import { isStateless } from "@chaos/mesh";
import { serviceManifests } from "./services.js";

const adminUser = "chaos";

/** Where the local cluster lives. */
interface Cluster {
  readonly dir: string;
  readonly data: string;
  readonly log: string;
}

/** A running PostgreSQL server and the per-service connection URLs. */
export interface PostgresEndpoint {
  /** Superuser (or CREATEROLE/CREATEDB) URL: for provisioning only. */
  readonly adminUrl: string;
  /** Per-service URL, logging in as the service's runtime role (owning nothing) into its own database (its DATABASE_URL). */
  readonly serviceUrls: Record<string, string>;
  /** Per-service owner URL (DATABASE_OWNER_URL): the migrations' login, owner of the service's database. */
  readonly ownerUrls: Record<string, string>;
  /** True when this call started the server. */
  readonly started: boolean;
}

/**
 * PostgreSQL refuses to run as root, so as root the cluster runs as Debian's
 * `postgres` user. Its data must then sit where that user can reach it: the
 * project's .chaos/ when every parent directory is traversable, else a
 * per-checkout directory under /var/tmp.
 */
async function cluster(): Promise<Cluster> {
  let dir = path.join(dataDir, "postgres");
  if (isRoot() && !(await reachableByPostgres(dataDir))) {
    const id = Buffer.from(dataDir).toString("base64url").slice(-24);
    dir = path.join("/var/tmp", `chaos-world-${id}`, "postgres");
  }
  return { dir, data: path.join(dir, "data"), log: path.join(dir, "postgres.log") };
}

function isRoot(): boolean {
  return process.getuid?.() === 0;
}

async function reachableByPostgres(dir: string): Promise<boolean> {
  fs.mkdirSync(dir, { recursive: true });
  try {
    await run("runuser", ["-u", "postgres", "--", "test", "-x", dir]);
    return true;
  } catch {
    return false;
  }
}

/** Runs a PostgreSQL server binary, as `postgres` when we are root. */
function pgRun(binary: string, args: string[], timeoutMs = 60_000): Promise<string> {
  const bin = path.join(binDir(), binary);
  return isRoot() ? run("runuser", ["-u", "postgres", "--", bin, ...args], { timeoutMs }) : run(bin, args, { timeoutMs });
}

/** The newest installed server's bin directory (/usr/lib/postgresql/<major>/bin on Debian). */
function binDir(): string {
  const root = "/usr/lib/postgresql";
  const majors = fs.existsSync(root)
    ? fs.readdirSync(root).filter((v) => fs.existsSync(path.join(root, v, "bin", "initdb")))
    : [];
  majors.sort((a, b) => Number(b) - Number(a));
  if (majors[0] === undefined) throw new Error("PostgreSQL server binaries not found under /usr/lib/postgresql");
  return path.join(root, majors[0], "bin");
}

function localAdminUrl(port: number): string {
  return `postgres://${adminUser}:${encodeURIComponent(secret("postgres.admin"))}@127.0.0.1:${port}/postgres`;
}

/** True when a SELECT 1 succeeds within a few seconds. */
export async function pgHealthy(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query("SELECT 1");
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Starts (or finds) the server and provisions one database and role per service. */
export async function ensurePostgres(config: InfraConfig): Promise<PostgresEndpoint> {
  let adminUrl = config.databaseUrl;
  let started = false;
  if (adminUrl === undefined) {
    adminUrl = localAdminUrl(config.pgPort);
    started = await startLocal(config.pgPort, adminUrl);
  } else if (!(await pgHealthy(adminUrl))) {
    throw new Error("DATABASE_URL is set but PostgreSQL does not answer SELECT 1 there within 3 s");
  }
  const { serviceUrls, ownerUrls } = await provisionServiceDatabases(adminUrl);
  return { adminUrl, serviceUrls, ownerUrls, started };
}

async function startLocal(port: number, adminUrl: string): Promise<boolean> {
  if (await pgHealthy(adminUrl)) return false;
  if (await portInUse(port)) throw portBusyError(port, "PostgreSQL", "CHAOS_PG_PORT");
  await ensureDebianPackages(["postgresql"], "the local PostgreSQL server");
  const { dir, data, log } = await cluster();
  fs.mkdirSync(dir, { recursive: true });
  if (isRoot()) await run("chown", ["postgres:postgres", dir]);
  if (!fs.existsSync(path.join(data, "PG_VERSION"))) {
    const pwfile = path.join(dir, "pwfile");
    fs.writeFileSync(pwfile, secret("postgres.admin"), { mode: 0o600 });
    if (isRoot()) await run("chown", ["postgres:postgres", pwfile]);
    try {
      await pgRun("initdb", ["-D", data, "-U", adminUser, `--pwfile=${pwfile}`, "--auth-local=scram-sha-256", "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C"]);
    } finally {
      fs.rmSync(pwfile, { force: true });
    }
  }
  const options = `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='${dir}' -c max_connections=300 -c fsync=on`;
  try {
    await pgRun("pg_ctl", ["-D", data, "-l", log, "-o", options, "-w", "-t", "60", "start"], 90_000);
  } catch (error) {
    throw new Error(`PostgreSQL did not start on port ${port}: ${(error as Error).message}\n--- ${log} ---\n${tailFile(log)}`);
  }
  if (!(await pgHealthy(adminUrl))) {
    throw new Error(`PostgreSQL started but does not accept the admin login.\n--- ${log} ---\n${tailFile(log)}`);
  }
  return true;
}

/**
 * Two login roles and one database per service. The database belongs to
 * `chaos_<service>`, which runs the migrations, and PUBLIC loses CONNECT, so
 * no service's role can open another service's database. The service runs as
 * `chaos_<service>_runtime`, which may connect to its database only and gets
 * from the owner DML on its tables and no more (ServiceState.database), so
 * an owner's power to ALTER, DROP (and, on append-only tables, UPDATE and
 * DELETE) never reaches the running code.
 */
async function provisionServiceDatabases(adminUrl: string): Promise<{ serviceUrls: Record<string, string>; ownerUrls: Record<string, string> }> {
  const admin = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 5000 });
  await admin.connect();
  const serviceUrls: Record<string, string> = {};
  const ownerUrls: Record<string, string> = {};
  const loginRole = async (name: string, password: string) => {
    const role = await admin.query("SELECT 1 FROM pg_roles WHERE rolname = $1", [name]);
    const verb = role.rowCount === 0 ? "CREATE" : "ALTER";
    await admin.query(`${verb} ROLE ${name} LOGIN PASSWORD ${pg.escapeLiteral(password)} NOSUPERUSER NOCREATEDB NOCREATEROLE`);
  };
  const urlOf = (role: string, password: string, database: string) => {
    const url = new URL(adminUrl);
    url.username = role;
    url.password = password;
    url.pathname = `/${database}`;
    return url.toString();
  };
  try {
    for (const manifest of (await serviceManifests()).filter((m) => !isStateless(m))) {
      const service = manifest.name;
      const name = `chaos_${service}`;
      const password = secret(`postgres.${service}`);
      await loginRole(name, password);
      const db = await admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
      if (db.rowCount === 0) await admin.query(`CREATE DATABASE ${name} OWNER ${name}`);
      await admin.query(`REVOKE ALL ON DATABASE ${name} FROM PUBLIC`);
      const runtime = `${name}_runtime`;
      const runtimePassword = secret(`postgres.${service}_runtime`);
      await loginRole(runtime, runtimePassword);
      await admin.query(`GRANT CONNECT ON DATABASE ${name} TO ${runtime}`);
      ownerUrls[service] = urlOf(name, password, name);
      serviceUrls[service] = urlOf(runtime, runtimePassword, name);
    }
  } finally {
    await admin.end();
  }
  return { serviceUrls, ownerUrls };
}

/** Stops the local cluster if it runs. */
export async function stopPostgres(): Promise<void> {
  const { data } = await cluster();
  const pid = readPid(path.join(data, "postmaster.pid"));
  if (pid !== undefined) await terminate(pid, 30_000);
}

/** One line on the local cluster's state. */
export async function postgresStatus(config: InfraConfig): Promise<string> {
  const url = config.databaseUrl ?? localAdminUrl(config.pgPort);
  const where = config.databaseUrl === undefined ? `127.0.0.1:${config.pgPort} (data ${(await cluster()).data})` : "DATABASE_URL";
  return `postgres  ${(await pgHealthy(url)) ? "up  " : "down"}  ${where}`;
}
