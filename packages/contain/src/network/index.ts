/**
 * A network of the container's own, given by a user-mode helper (pasta or
 * slirp4netns) that contain starts between the clone and PID 1's start,
 * and that lives exactly as long as the container: the kernel kills it
 * with the supervisor (a death signal), the supervisor ends it when PID 1
 * has ended, and none of its files outlive the start.
 */
import { accessSync, constants, rmSync } from 'node:fs';
import { Entry, StepError, findHelper, usageError } from '@rootless-containers/core';
import { Settings } from '../settings';
import { writeResolvConf } from './dns';
import { HelperKind, Tied, closeOutput, endTied } from './helper';
import { PASTA } from './pasta';
import { Publish, checkHostPorts, parsePublishes } from './publish';
import { SLIRP4NETNS } from './slirp4netns';

const HELPERS: Record<string, HelperKind> = { pasta: PASTA, slirp4netns: SLIRP4NETNS };
const TUN = '/dev/net/tun';

export interface NetworkPlan {
  mode: string;
  kind: HelperKind;
  program: string;
  publish: Publish[];
  hostLoopback: boolean;
}

/** The helpers need to open the tun device as the user. */
function checkTun(): void {
  try {
    accessSync(TUN, constants.R_OK | constants.W_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new StepError(`${TUN} is missing`, 0, 'setup', 'load the tun module: sudo modprobe tun');
    throw new StepError(`${TUN} is not usable by you`, (error as NodeJS.ErrnoException).errno ?? 0, 'setup',
      `most distributions make it mode 0666: sudo chmod 0666 ${TUN}`);
  }
}

/**
 * Checks everything the network needs before anything starts: the
 * published ports and host-loopback need a helper mode, the helper must
 * be installed, the tun device usable and each host port free. Returns
 * the plan, or undefined for the modes without a helper.
 */
export async function planNetwork(settings: Settings): Promise<NetworkPlan | undefined> {
  const publish = parsePublishes(settings.publish);
  const kind = HELPERS[settings.network];
  if (!kind) {
    if (publish.length > 0) {
      throw usageError(`${publish[0].label} ${publish[0].spec}: publishing a port needs --network pasta or slirp4netns`);
    }
    if (settings.hostLoopback) throw usageError(`${settings.hostLoopback.label} needs --network pasta or slirp4netns`);
    return undefined;
  }
  kind.check?.(publish);
  const program = findHelper(kind.program);
  if (!program) {
    throw new StepError(`${kind.program} is not installed, and --network ${settings.network} needs it`, 0, 'setup',
      `install the ${kind.package} package, e.g. sudo apt-get install ${kind.package}`);
  }
  checkTun();
  await checkHostPorts(publish);
  return { mode: settings.network, kind, program, publish, hostLoopback: settings.hostLoopback !== undefined };
}

/** The container's network helper, from its start to the handover. */
export class Network {
  /** The file to bind at the container's /etc/resolv.conf. */
  readonly resolvConf: string;
  private helper?: Tied;

  /** Writes the container's resolv.conf into the entry, which removes it if the start fails. */
  constructor(private plan: NetworkPlan, private entry: Entry, private env: string[]) {
    this.resolvConf = writeResolvConf(entry.dir, plan.mode, plan.kind.forwarder);
    entry.remove.unshift(this.resolvConf);
  }

  /** Starts the helper on PID 1's namespaces (held before its exec) and waits until the network is up. */
  async start(pid: number): Promise<void> {
    this.helper = await this.plan.kind.start({
      program: this.plan.program, pid, dir: this.entry.dir, env: this.env,
      publish: this.plan.publish, hostLoopback: this.plan.hostLoopback,
    });
  }

  /** For the supervisor to end once PID 1 has ended. */
  get pids(): number[] {
    return this.helper ? [this.helper.pid] : [];
  }

  /**
   * Once PID 1 runs, its /etc/resolv.conf is bound and nothing needs the
   * file on disk: removed now, nothing is left if the supervisor is killed.
   */
  settle(): void {
    rmSync(this.resolvConf, { force: true });
    if (this.helper) closeOutput(this.helper);
  }

  /** A failed start: the helper goes at once. */
  end(): void {
    if (this.helper) endTied(this.helper);
  }
}
