// A client no one here wrote: the `osc` npm package (osc.js) drives every
// lathe parameter and watches every meter.  Run by
// tests/integration/test_osc_live.c as `node osc_client.js PORT [METERS]`; prints
// one JSON line with what it saw and exits 0 when everything checked out.
// Waits are deadlines (PATIENCE ms, generous: the machine may be loaded) that
// end as soon as what is waited for arrives; with METERS (how many /meter/...
// addresses lathe has) it watches until it saw them all.
"use strict";
const osc = require("osc");

const port = parseInt(process.argv[2], 10);
const meterCount = parseInt(process.argv[3] || "0", 10);
const PATIENCE = 30000;
const udp = new osc.UDPPort({
    localAddress: "127.0.0.1",
    localPort: 0,
    remoteAddress: "127.0.0.1",
    remotePort: port,
    metadata: true
});

const waiters = [];      // {path, resolve} waiting for the next message on path
const seen = new Set();  // every address received
const problems = [];
let params = [];
let paramsDone = -1;

udp.on("message", (m) => {
    seen.add(m.address);
    if (m.address === "/param") {
        const a = m.args.map((x) => x.value);
        params.push({ path: a[0], unit: a[1], min: a[2], max: a[3], def: a[4], value: a[5] });
        return;
    }
    if (m.address === "/params/done") {
        paramsDone = m.args[0].value;
    }
    if (m.address === "/error") {
        problems.push("error " + m.args.map((x) => x.value).join(" "));
    }
    for (let i = 0; i < waiters.length; i++) {
        if (waiters[i].path === m.address) {
            const w = waiters.splice(i, 1)[0];
            w.resolve(m);
            break;
        }
    }
});

function next(path, ms) {
    return new Promise((resolve) => {
        const w = { path, resolve };
        waiters.push(w);
        setTimeout(() => {
            const i = waiters.indexOf(w);
            if (i >= 0) {
                waiters.splice(i, 1);
                resolve(null);
            }
        }, ms);
    });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const send = (address, args) => udp.send({ address, args: args || [] });

async function main() {
    // liveness
    send("/ping");
    if (!(await next("/pong", PATIENCE))) throw new Error("no /pong");

    // the parameter list
    send("/params");
    for (let t = 0; t < PATIENCE && paramsDone < 0; t += 20) await sleep(20);
    if (paramsDone !== params.length) throw new Error(`/params/done ${paramsDone} but ${params.length} /param`);

    // drive every parameter and read it back
    let setOk = 0;
    for (const p of params) {
        const v = p.min + 0.37 * (p.max - p.min);
        send(p.path, [{ type: "f", value: v }]);
        send(p.path);
        const r = await next(p.path, PATIENCE);
        if (!r) { problems.push("no answer " + p.path); continue; }
        const got = r.args[0].value;
        // continuous parameters store v; integer and enum ones round it
        if (Math.abs(got - v) <= 1e-4 * Math.max(1, Math.abs(v)) || got === Math.round(v)) setOk++;
        else problems.push(`${p.path}: sent ${v}, read ${got}`);
    }

    // the normalised twin: /input/gain is -24..24 dB, linear: 0.75 -> +12 dB
    send("/norm/input/gain", [{ type: "f", value: 0.75 }]);
    send("/input/gain");
    const g = await next("/input/gain", PATIENCE);
    const normOk = !!g && Math.abs(g.args[0].value - 12) < 1e-4;
    if (!normOk) problems.push("/norm/input/gain 0.75 did not give 12 dB");

    // subscribe: feedback of our own change, and the meters
    send("/subscribe", [{ type: "i", value: 60 }]);
    send("/input/gain", [{ type: "f", value: -3 }]);
    // /subscribe first sends the whole state (the old +12 dB among it), then the change
    let fb = null;
    for (let k = 0; k < 4 && !(fb && fb.args[0].value === -3); k++) fb = await next("/input/gain", PATIENCE);
    const feedbackOk = !!fb && fb.args[0].value === -3;
    if (!feedbackOk) problems.push("no feedback for /input/gain -3");
    const meterSeen = () => [...seen].filter((a) => a.startsWith("/meter/")).length;
    if (meterCount > 0)
        for (let t = 0; t < PATIENCE && meterSeen() < meterCount; t += 50) await sleep(50);
    else
        await sleep(1500);
    const meters = [...seen].filter((a) => a.startsWith("/meter/")).sort();
    const normMeters = [...seen].filter((a) => a.startsWith("/norm/meter/")).sort();
    send("/unsubscribe");

    const ok = problems.length === 0 && setOk === params.length && normOk && feedbackOk;
    console.log(JSON.stringify({ ok, params: params.length, set_ok: setOk, norm_ok: normOk, feedback_ok: feedbackOk,
        meters, norm_meters: normMeters.length, problems: problems.slice(0, 10) }));
    udp.close();
    process.exit(ok ? 0 : 1);
}

udp.on("ready", () => {
    main().catch((e) => {
        console.log(JSON.stringify({ ok: false, problems: [String(e)].concat(problems.slice(0, 10)) }));
        process.exit(1);
    });
});
udp.on("error", (e) => problems.push("socket " + e.message));
udp.open();
setTimeout(() => { console.log(JSON.stringify({ ok: false, problems: ["timeout"].concat(problems.slice(0, 10)) })); process.exit(1); }, 4 * PATIENCE);
