import { synthCheckpoint, writeSynthHfDir } from "../loaders/synth.js";
const [mode, preset, dtype] = process.argv.slice(2);
const t0 = performance.now();
if (mode === "mem") {
  const ck = synthCheckpoint(preset!, dtype as "f16");
  let bytes = 0; for (const t of ck.weights.values()) bytes += t.byteLength;
  console.log(`synthCheckpoint ${preset} ${dtype}: ${(bytes/1e9).toFixed(3)} GB in ${((performance.now()-t0)/1000).toFixed(2)} s, peak RSS ${(process.resourceUsage().maxRSS/1024/1024).toFixed(2)} GB`);
} else {
  const r = await writeSynthHfDir(process.argv[5]!, preset!, dtype as "f16");
  console.log(`writeSynthHfDir ${preset} ${dtype}: ${r.files.join(",")} ${(r.totalBytes/1e9).toFixed(3)} GB in ${((performance.now()-t0)/1000).toFixed(2)} s, peak RSS ${(process.resourceUsage().maxRSS/1024).toFixed(0)} MB`);
}
