// Validates deploy/k8s offline: each overlay is built with `kubectl kustomize`, every
// object it yields is checked against the Kubernetes API schemas of kubernetes-models
// (pinned in package.json), and against the platform's policies (below). Exit 0 when all
// hold; otherwise each failure on its own line and exit 1.
//
//   node tools/k8s-validate/validate.mjs deploy/k8s
import { execFileSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";

const root = process.argv[2];
if (!root) {
  console.error("usage: validate.mjs DEPLOY_K8S_DIR");
  process.exit(2);
}

const failures = [];
const fail = (where, what) => failures.push(`${where}: ${what}`);

// The services and what each must have (deploy/k8s/README.md).
const SERVICES = {
  "config-service": { port: 8100, blueGreen: false, autoscaled: false },
  "subject-service": { port: 8101, blueGreen: true, autoscaled: true },
  "file-service": { port: 8102, blueGreen: true, autoscaled: true },
  "syllabus-service": { port: 8103, blueGreen: true, autoscaled: true },
  "api-gateway": { port: 8080, blueGreen: false, autoscaled: true },
};
const SECRET_KEYS = new Set([
  "platform-token", "identity-keys", "jwt-secret", "signing-keys", "s3-access-key-id",
  "s3-secret-access-key",
  ...Object.keys(SERVICES).map((name) => `${name}-database-url`),
]);
const NAMESPACED_EXCEPTIONS = new Set(["Namespace", "ClusterRole", "ClusterRoleBinding"]);

function build(dir) {
  const text = execFileSync("kubectl", ["kustomize", dir], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
  return parseAllDocuments(text)
    .map((document) => document.toJS())
    .filter((object) => object);
}

async function schemaCheck(where, object) {
  let module;
  try {
    module = await import(`kubernetes-models/${object.apiVersion}`);
  } catch {
    fail(where, `apiVersion ${object.apiVersion} is not one of Kubernetes'`);
    return;
  }
  const Model = module[object.kind];
  if (!Model) {
    fail(where, `${object.apiVersion} has no kind ${object.kind}`);
    return;
  }
  try {
    new Model(object).validate();
  } catch (error) {
    fail(where, `does not match the API schema: ${error.message}`);
  }
}

function envValue(container, name) {
  return (container.env ?? []).find((entry) => entry.name === name);
}

function checkDeployment(where, deployment, config) {
  const spec = deployment.spec.template.spec;
  const pod = spec.securityContext ?? {};
  for (const container of spec.containers) {
    const at = `${where} container ${container.name}`;
    const image = container.image ?? "";
    const tag = image.includes(":") ? image.slice(image.lastIndexOf(":") + 1) : "";
    if (!tag || tag === "latest" || image.includes("@") === false && !/^\d+\.\d+\.\d+/.test(tag))
      fail(at, `image ${image} is not pinned to a release (name:X.Y.Z)`);
    const port = SERVICES[deployment.metadata.labels["app.kubernetes.io/name"]]?.port;
    const probe = (name, path) => {
      const found = container[name];
      if (!found?.httpGet) return fail(at, `no ${name} (httpGet)`);
      if (found.httpGet.path !== path) fail(at, `${name} is not GET ${path}`);
      const probePort = found.httpGet.port;
      const named = (container.ports ?? []).find((p) => p.name === probePort);
      if (probePort !== port && named?.containerPort !== port)
        fail(at, `${name} does not probe the service's port ${port}`);
    };
    probe("livenessProbe", "/health/live");
    probe("readinessProbe", "/health/ready");
    probe("startupProbe", "/health/live");
    for (const kind of ["requests", "limits"])
      for (const resource of ["cpu", "memory"])
        if (!container.resources?.[kind]?.[resource]) fail(at, `no ${kind}.${resource}`);
    const security = container.securityContext ?? {};
    if (!(security.runAsNonRoot ?? pod.runAsNonRoot)) fail(at, "may run as root");
    if ((security.runAsUser ?? pod.runAsUser) === 0) fail(at, "runs as uid 0");
    if (security.readOnlyRootFilesystem !== true) fail(at, "root filesystem not read-only");
    if (security.allowPrivilegeEscalation !== false) fail(at, "privilege escalation allowed");
    if (security.privileged) fail(at, "privileged");
    if (!(security.capabilities?.drop ?? []).includes("ALL")) fail(at, "capabilities not dropped");
    // The pod gets the preStop pause plus the service's drain, with margin.
    const sleep = Number(container.lifecycle?.preStop?.exec?.command?.[1] ?? NaN);
    if (!Number.isFinite(sleep)) fail(at, "no preStop pause (sleep N)");
    const drainMs = Number(
      envValue(container, "SYL_HTTP_SHUTDOWN_TIMEOUT_MS")?.value ??
        config?.data?.SYL_HTTP_SHUTDOWN_TIMEOUT_MS ?? NaN);
    if (!Number.isFinite(drainMs)) fail(at, "SYL_HTTP_SHUTDOWN_TIMEOUT_MS is not set");
    const grace = spec.terminationGracePeriodSeconds ?? 30;
    if (Number.isFinite(sleep) && Number.isFinite(drainMs) && grace < sleep + drainMs / 1000)
      fail(at, `terminationGracePeriodSeconds ${grace} < preStop ${sleep} s + drain ${drainMs / 1000} s`);
    for (const entry of container.env ?? []) {
      const ref = entry.valueFrom?.secretKeyRef;
      if (!ref) continue;
      if (ref.name !== "platform-secrets" || !SECRET_KEYS.has(ref.key))
        fail(at, `${entry.name} reads an unknown secret ${ref.name}/${ref.key}`);
    }
    for (const entry of container.env ?? [])
      if (/TOKEN|SECRET|KEYS?$|PASSWORD/.test(entry.name) && entry.value)
        fail(at, `${entry.name} is set in the manifest; secrets come from platform-secrets`);
  }
}

function selects(selector, labels) {
  return Object.entries(selector ?? {}).every(([key, value]) => labels?.[key] === value);
}

async function checkOverlay(name, dir) {
  const objects = build(dir);
  const byKind = (kind) => objects.filter((object) => object.kind === kind);
  const config = byKind("ConfigMap").find((object) => object.metadata.name === "platform-config");
  if (!config) fail(name, "no platform-config ConfigMap");
  const namespaces = new Set();
  for (const object of objects) {
    const where = `${name} ${object.kind}/${object.metadata?.name}`;
    await schemaCheck(where, object);
    if (!NAMESPACED_EXCEPTIONS.has(object.kind)) {
      if (!object.metadata?.namespace) fail(where, "has no namespace");
      namespaces.add(object.metadata?.namespace);
    }
    if (object.metadata?.labels?.["app.kubernetes.io/part-of"] !== "syllabus-platform")
      fail(where, "is not labelled app.kubernetes.io/part-of: syllabus-platform");
    if (object.kind === "Secret") fail(where, "a Secret in the manifests: secrets are made apart");
    if (object.kind === "ConfigMap")
      for (const key of Object.keys(object.data ?? {}))
        if (/TOKEN|SECRET|KEYS?$|PASSWORD/.test(key))
          fail(where, `${key} is set in the manifest; secrets come from platform-secrets`);
  }
  if (namespaces.size !== 1) fail(name, `objects in ${namespaces.size} namespaces`);

  const deployments = byKind("Deployment");
  for (const deployment of deployments)
    checkDeployment(`${name} Deployment/${deployment.metadata.name}`, deployment, config);
  for (const [service, rules] of Object.entries(SERVICES)) {
    const where = `${name} ${service}`;
    const own = deployments.filter((d) => d.metadata.labels["app.kubernetes.io/name"] === service);
    const colours = own.map((d) => d.metadata.labels.colour ?? "").sort();
    if (rules.blueGreen && colours.join() !== "blue,green")
      fail(where, `needs a blue and a green Deployment (has ${colours.join() || "none"})`);
    if (!rules.blueGreen && own.length !== 1) fail(where, `needs one Deployment (has ${own.length})`);
    const svc = byKind("Service").find((s) => s.metadata.name === service);
    if (!svc) fail(where, "no Service");
    const live = own.filter((d) => selects(svc?.spec.selector, d.spec.template.metadata.labels));
    if (live.length !== 1) fail(where, `its Service selects ${live.length} Deployments, not one`);
    if (svc && !svc.spec.ports.some((p) => p.port === rules.port))
      fail(where, `its Service does not expose ${rules.port}`);
    if (!byKind("PodDisruptionBudget").some((p) =>
          own.some((d) => selects(p.spec.selector.matchLabels, d.spec.template.metadata.labels))))
      fail(where, "no PodDisruptionBudget");
    const hpas = byKind("HorizontalPodAutoscaler").filter((h) =>
      own.some((d) => d.metadata.name === h.spec.scaleTargetRef.name));
    if (rules.autoscaled && hpas.length === 0) fail(where, "no HorizontalPodAutoscaler");
    for (const hpa of hpas)
      if (hpa.spec.minReplicas > hpa.spec.maxReplicas) fail(where, "HPA min above max");
  }
  for (const hpa of byKind("HorizontalPodAutoscaler"))
    if (!deployments.some((d) => d.metadata.name === hpa.spec.scaleTargetRef.name))
      fail(`${name} HPA/${hpa.metadata.name}`, "targets no Deployment");

  // Network: everything denied by default; only the gateway open to all.
  const policies = byKind("NetworkPolicy");
  if (!policies.some((p) => Object.keys(p.spec.podSelector ?? {}).length === 0 &&
                            p.spec.policyTypes?.includes("Ingress") && !p.spec.ingress))
    fail(name, "no default-deny ingress NetworkPolicy");
  for (const policy of policies) {
    for (const rule of policy.spec.ingress ?? []) {
      if (rule.from && rule.from.length > 0) continue;
      const open = deployments.filter((d) =>
        selects(policy.spec.podSelector.matchLabels, d.spec.template.metadata.labels));
      for (const deployment of open)
        if (deployment.metadata.labels["app.kubernetes.io/name"] !== "api-gateway")
          fail(`${name} NetworkPolicy/${policy.metadata.name}`,
               `opens ${deployment.metadata.name} to everyone`);
    }
  }
  return objects.length;
}

const overlays = readdirSync(join(root, "overlays"), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name);
if (overlays.length === 0) fail(root, "no overlays");
let total = 0;
for (const overlay of overlays.sort()) {
  try {
    total += await checkOverlay(overlay, join(root, "overlays", overlay));
  } catch (error) {
    fail(overlay, `kubectl kustomize failed: ${error.stderr ?? error.message}`);
  }
}
if (failures.length > 0) {
  for (const failure of failures) console.error(failure);
  console.error(`${failures.length} problem(s) in deploy/k8s`);
  process.exit(1);
}
console.log(`deploy/k8s: ${overlays.length} overlays, ${total} objects: every one matches the ` +
            "Kubernetes API schema and the platform's policies");
