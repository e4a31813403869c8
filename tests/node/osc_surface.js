// A tablet surface as Open Stage Control is one: the `osc` npm package on ONE
// UDP socket that both sends to lathe and receives its feedback (Open Stage
// Control's server port is the source of what it sends and the target of what
// it hears).  Run by tests/integration/test_osc_live.c as
// `node osc_surface.js PORT`; prints one JSON line and exits 0 when:
//   - /subscribe brings every parameter's value, /norm and /text twin within 1 s,
//     equal to what /params reports;
//   - a change made by another client is heard;
//   - feedback still comes after the lease ran out three times, because the
//     surface renews it itself (as the generated layout's script does).
"use strict";
const osc = require("osc");

const port = parseInt(process.argv[2], 10);
const LEASE_S = 2;

function openPort() {
    return new Promise((resolve, reject) => {
        const u = new osc.UDPPort({ localAddress: "127.0.0.1", localPort: 0, remoteAddress: "127.0.0.1",
            remotePort: port, metadata: true });
        u.on("ready", () => resolve(u));
        u.on("error", reject);
        u.open();
    });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function main() {
    const surface = await openPort();
    const other = await openPort();
    const heard = new Map();          // address -> { value, t }
    const params = new Map();         // path -> value, from /params
    let paramsDone = -1;
    const problems = [];
    surface.on("message", (m) => {
        if (m.address === "/param") {
            params.set(m.args[0].value, m.args[5].value);
            return;
        }
        if (m.address === "/params/done") {
            paramsDone = m.args[0].value;
            return;
        }
        if (m.address === "/error") problems.push("error " + m.args.map((x) => x.value).join(" "));
        heard.set(m.address, { value: m.args.length ? m.args[0].value : null, type: m.args.length ? m.args[0].type : "", t: Date.now() });
    });
    const send = (u, address, args) => u.send({ address, args: args || [] });

    send(surface, "/params");
    for (let t = 0; t < 150 && paramsDone < 0; t++) await sleep(20);
    if (paramsDone !== params.size || paramsDone <= 0) throw new Error(`/params: done ${paramsDone}, ${params.size} /param`);

    // subscribe, and keep renewing at half the lease, as the layout does
    const t0 = Date.now();
    heard.clear();
    send(surface, "/subscribe", [{ type: "i", value: LEASE_S }]);
    const renew = setInterval(() => send(surface, "/subscribe", [{ type: "i", value: LEASE_S }]), LEASE_S * 500);

    let complete = -1;
    for (let t = 0; t < 100 && complete < 0; t++) {
        await sleep(10);
        let all = true;
        for (const p of params.keys())
            if (!heard.has(p) || !heard.has("/norm" + p) || !heard.has("/text" + p)) { all = false; break; }
        if (all) complete = Date.now() - t0;
    }
    let stateOk = complete >= 0 && complete <= 1000;
    if (!stateOk) problems.push("no full state within 1 s of /subscribe");
    else
        for (const [p, v] of params) {
            const h = heard.get(p);
            if (h.type !== "f" || Math.abs(h.value - v) > 1e-6 * Math.max(1, Math.abs(v))) { stateOk = false; problems.push(`${p}: state ${h.value} (${h.type}), /params ${v}`); }
            if (heard.get("/text" + p).type !== "s") { stateOk = false; problems.push(`/text${p} is not a string`); }
        }

    // a change by another client
    heard.delete("/eq/3/gain");
    send(other, "/eq/3/gain", [{ type: "f", value: -4.5 }]);
    await sleep(300);
    const followOk = heard.has("/eq/3/gain") && heard.get("/eq/3/gain").value === -4.5;
    if (!followOk) problems.push("another client's change was not heard");

    // past three leases: still fed
    await sleep(LEASE_S * 3000 + 500);
    heard.delete("/eq/3/gain");
    send(other, "/eq/3/gain", [{ type: "f", value: 0 }]);
    await sleep(300);
    const renewOk = heard.has("/eq/3/gain") && heard.get("/eq/3/gain").value === 0;
    if (!renewOk) problems.push("no feedback after the lease ran out (renewed by the surface)");

    clearInterval(renew);
    send(surface, "/unsubscribe");
    await sleep(50);
    const ok = stateOk && followOk && renewOk && problems.length === 0;
    console.log(JSON.stringify({ ok, params: params.size, state_ms: complete, state_ok: stateOk, follow_ok: followOk,
        renew_ok: renewOk, problems: problems.slice(0, 10) }));
    surface.close();
    other.close();
    process.exit(ok ? 0 : 1);
}

main().catch((e) => {
    console.log(JSON.stringify({ ok: false, problems: [String(e)] }));
    process.exit(1);
});
setTimeout(() => { console.log(JSON.stringify({ ok: false, problems: ["timeout"] })); process.exit(1); }, 30000);
