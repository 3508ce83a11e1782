// Prints `export { ... } from` / `export type { ... } from` lines naming every export of the given
// module files, so a package index can list its exports by name (DESIGN.md convention).
// Usage: node tooling/scripts/list-exports.mjs <index.ts> <module.ts>...
import ts from "typescript";
import { dirname, relative } from "node:path";

const [indexFile, ...modules] = process.argv.slice(2);
const program = ts.createProgram(modules, { allowJs: false, module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler, skipLibCheck: true, noEmit: true });
const checker = program.getTypeChecker();
for (const file of modules) {
  const source = program.getSourceFile(file);
  const symbol = source && checker.getSymbolAtLocation(source);
  if (!symbol) continue;
  const values = [];
  const types = [];
  for (const exp of checker.getExportsOfModule(symbol)) {
    const target = exp.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exp) : exp;
    if (target.flags & ts.SymbolFlags.Value) values.push(exp.name);
    else types.push(exp.name);
  }
  let spec = "./" + relative(dirname(indexFile), file).replace(/\.ts$/, ".js");
  const fmt = (names) => names.sort().map((n) => `  ${n},`).join("\n");
  if (values.length) console.log(`export {\n${fmt(values)}\n} from "${spec}";`);
  if (types.length) console.log(`export type {\n${fmt(types)}\n} from "${spec}";`);
}
