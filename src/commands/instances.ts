/** `aegea start|stop|reboot|terminate NAME_OR_ID...` and `aegea console NAME_OR_ID`. */
import * as Effect from "effect/Effect"
import { AegeaConfig, withConfigDefaults } from "../services/AegeaConfig.ts"
import * as Argument from "effect/cli/Argument"
import * as Command from "effect/cli/Command"
import * as Flag from "effect/cli/Flag"
import * as Stream from "effect/Stream"
import { waitingLine, waitingPlain } from "../lib/progress.ts"
import { Ec2, type Instance, type InstanceState, type StateAction, targetState, waitForState } from "../services/Ec2.ts"
import { Output } from "../services/Output.ts"
import { confirmDestruction } from "./confirm.ts"
import { BaseLayer, Ec2Layer } from "./global.ts"
import * as Layer from "effect/Layer"
import { dnsFlag, dnsSettings, dnsStep, InstanceDnsLayer } from "./instanceDns.ts"
import { unregisterByHand, unregisterInstance } from "../workflows/instanceDns.ts"

const TerminateLayer = Layer.mergeAll(Ec2Layer, InstanceDnsLayer).pipe(Layer.provideMerge(BaseLayer))

/** terminate's flag: remove each terminated instance's NAME.<private zone> record. */
const terminateDns = {
  dns: dnsFlag.pipe(
    Flag.withDescription(
      "Remove each terminated instance's NAME.<private zone> record (config dns.private_zone) when it points at that instance (the default); --no-dns leaves DNS alone."
    )
  )
}

const targets = Argument.String("name-or-id").pipe(
  Argument.withDescription("Instance names (the Name tag), ids or DNS names."),
  Argument.atLeast(1)
)
const dryRun = Flag.Boolean("dry-run").pipe(
  Flag.withDescription(
    "Ask AWS whether the call would succeed (permissions included), print one line saying so (text, on stderr), and change nothing."
  ),
  Flag.withDefault(false)
)
const wait = Flag.Boolean("wait").pipe(Flag.withDescription("Wait until every instance reaches the target state."), Flag.withDefault(false))
const yes = (action: StateAction) =>
  Flag.Boolean("yes").pipe(
    Flag.withAlias("y"),
    Flag.withDescription(
      action === "terminate"
        ? "Terminate without asking (required when stdin or stderr is not a terminal)."
        : `Accepted for symmetry with terminate; ${action} never asks.`
    ),
    Flag.withDefault(false)
  )

/**
 * `waitForState`, showing each instance's state as it goes: the status line of a terminal, or a
 * timestamped line per change (services/Output.ts `status`).
 */
export const waitShowing = (ids: ReadonlyArray<string>, labels: ReadonlyArray<string>, target: InstanceState) =>
  Effect.gen(function*() {
    const ec2 = yield* Ec2
    const output = yield* Output
    const show = (list: ReadonlyArray<Instance>) => {
      const seen = ids.map((id, i) => ({ label: labels[i] ?? id, state: list.find((instance) => instance.id === id)?.state ?? "gone" }))
      return output.status({ line: waitingLine(seen, target, "instances"), plain: waitingPlain(seen) })
    }
    return yield* waitForState(ids, target).pipe(
      // The poll itself is waitForState's: its instances stream is observed as each poll reads it.
      Effect.provideService(Ec2, {
        ...ec2,
        instances: (query) => Stream.fromIterableEffect(Effect.tap(Stream.runCollect(ec2.instances(query)), show))
      }),
      Effect.ensuring(output.statusDone)
    )
  })

const descriptions: Record<StateAction, string> = {
  start: "Start stopped instances.",
  stop: "Stop running instances.",
  reboot: "Reboot running instances.",
  terminate: "Terminate instances (asks on a terminal; with no terminal, refuses unless --yes)."
}

const stateCommand = (action: StateAction) =>
  Command.make(
    action,
    { targets, dryRun, wait, yes: yes(action), ...(action === "terminate" ? terminateDns : {}) },
    Effect.fn(action)(function*(raw) {
    const input = withConfigDefaults((yield* AegeaConfig).section(action), raw)
      const ec2 = yield* Ec2
      const output = yield* Output
      const instances = yield* Effect.forEach(input.targets, ec2.resolveInstance)
      const ids = [...new Set(instances.map((i) => i.id))]
      const labels = ids.map((id) => {
        const name = instances.find((i) => i.id === id)?.name
        return name ? `${id} (${name})` : id
      })
      const label = labels.join(", ")
      if (action === "terminate" && !input.dryRun) {
        yield* confirmDestruction({ verb: "terminate", noun: ["instance", "instances"], items: labels }, input.yes)
      }
      const changes = yield* ec2.changeState(action, ids, { dryRun: input.dryRun })
      if (input.dryRun) {
        yield* output.info(`dry run: ${action} ${label} would succeed; nothing was changed`)
        return
      }
      let rows = ids.map((id) => {
        const instance = instances.find((i) => i.id === id)
        const change = changes.find((c) => c.id === id)
        return {
          name: instance?.name,
          id,
          // WAS is the state read just before the call: AWS's PreviousState is that of the last attempt,
          // which after a lost first answer is the state the first attempt made (`stopped`, not `running`).
          previousState: instance?.state ?? change?.previousState,
          state: change?.currentState ?? instance?.state
        }
      })
      if (action === "terminate" && "dns" in input && input.dns !== undefined) {
        const dns = yield* dnsSettings("terminate", input.dns)
        for (const instance of dns.on ? instances.filter((i, n) => instances.findIndex((j) => j.id === i.id) === n) : []) {
          if (instance.name === undefined || instance.privateIp === undefined) continue
          yield* dnsStep(
            `remove ${instance.name}.${dns.zone}`,
            unregisterInstance(instance.name, instance.privateIp, dns.zone),
            unregisterByHand(instance.name, dns.zone)
          )
        }
      }
      if (input.wait && action !== "reboot") {
        const target = targetState[action]
        const final = yield* waitShowing(ids, labels, target)
        rows = rows.map((r) => ({ ...r, state: final.find((i) => i.id === r.id)?.state ?? r.state }))
      }
      yield* output.table(rows, {
        columns: [
          { key: "name", kind: "name" },
          { key: "id", kind: "id" },
          { key: "previousState", header: "WAS", kind: "state" },
          { key: "state", kind: "state" }
        ]
      })
    })
  ).pipe(
    Command.withDescription(descriptions[action]),
    Command.withExamples([
      { command: `aegea ${action} web-1${action === "reboot" ? "" : " --wait"}`, description: `${action} the instance named web-1` },
      { command: `aegea ${action} i-0123456789abcdef0 --dry-run`, description: "Check permissions without changing anything" }
    ]),
    Command.provide(action === "terminate" ? TerminateLayer : Ec2Layer)
  )

export const consoleCommand = Command.make(
  "console",
  { target: Argument.String("name-or-id").pipe(Argument.withDescription("Instance name, id or DNS name.")) },
  Effect.fn("console")(function*({ target }) {
    const ec2 = yield* Ec2
    const output = yield* Output
    const instance = yield* ec2.resolveInstance(target)
    const text = yield* ec2.consoleOutput(instance.id)
    if (text === undefined) {
      yield* output.info(`no console output yet for ${instance.id}; EC2 publishes it a few minutes after boot`)
      return
    }
    for (const line of text.replace(/\r\n/g, "\n").replace(/\n$/, "").split("\n")) yield* output.text(line)
  })
).pipe(
  Command.withDescription("Print an instance's console output (the boot log)."),
  Command.withExamples([{ command: "aegea console web-1", description: "Show web-1's boot log" }]),
  Command.provide(Ec2Layer)
)

export const instanceCommands = [
  stateCommand("start"),
  stateCommand("stop"),
  stateCommand("reboot"),
  stateCommand("terminate"),
  consoleCommand
] as const
