#!/usr/bin/env bash
# Validates the manifests here against the Kubernetes OpenAPI schemas, offline from any cluster:
# npm's kubernetes-models (AJV, one model per kind) installed into a throwaway directory.
#   deploy/k8s/validate.sh [FILES...]     (default: deploy/k8s/*.yaml)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
files=("$@"); [[ ${#files[@]} -gt 0 ]] || files=("$here"/*.yaml)
work="${EDGESPLIT_K8S_VALIDATE_DIR:-/tmp/edgesplit-k8s-validate}"
mkdir -p "$work"
if [[ ! -d "$work/node_modules/kubernetes-models" ]]; then
  (cd "$work" && npm init -y >/dev/null && npm install --silent --no-audit --no-fund kubernetes-models@5.1.0 js-yaml@4 >/dev/null)
fi
cat > "$work/validate.mjs" <<'JS'
import fs from 'fs';
import * as yaml from 'js-yaml';
let bad = 0, n = 0;
for (const f of process.argv.slice(2)) {
  for (const doc of yaml.loadAll(fs.readFileSync(f, 'utf8'))) {
    if (!doc || doc.kind === 'Kustomization') continue;
    const [group, version] = doc.apiVersion.includes('/') ? doc.apiVersion.split('/') : [null, doc.apiVersion];
    const mod = await import(`kubernetes-models/${group ? `${group}/` : ''}${version}`);
    try { new mod[doc.kind](doc).validate(); n++; console.log(`ok   ${f}: ${doc.kind} ${doc.metadata.name}`); }
    catch (e) { bad++; console.log(`FAIL ${f}: ${doc.kind} ${doc.metadata.name}: ${e.message}`); }
  }
}
console.log(`${n} valid, ${bad} invalid`);
process.exit(bad ? 1 : 0);
JS
cd "$work" && node validate.mjs "${files[@]}"
