//! `magnetiq-gen lint`: rules that know this deployment.
//!
//! The rules read plain `serde_json::Value` objects (not typed structs) so that any YAML a
//! person writes can be checked: missing fields and wrong types are treated as "not set",
//! never as a panic. Each rule checks one object, or the relation between objects of the
//! same set (a Service and the pods it selects, a Deployment and its volume claims, an
//! ArgoCD Application and the tree it syncs). Only [`load_dir`] touches the filesystem.

use std::fmt;
use std::path::Path;

use anyhow::Context as _;
use serde_json::{Map, Value};

use crate::profile::types::{check_cron, mount_point};
use crate::rules::{is_placeholder, is_sqlite_url};

/// How bad a finding is: errors break the deployment or lose data; warnings weaken it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// The deployment does not work as written, or can lose data.
    Error,
    /// Works, but is fragile, insecure or surprising.
    Warning,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        })
    }
}

/// One lint rule: what it checks, why it matters and how to fix it.
#[derive(Debug)]
pub struct Rule {
    /// Stable identifier, `MG001`...
    pub id: &'static str,
    /// How bad a finding of this rule is.
    pub severity: Severity,
    /// A one-line summary.
    pub title: &'static str,
    /// One paragraph: why this is a problem.
    pub explanation: &'static str,
    /// Upstream documentation backing the explanation.
    pub link: &'static str,
    /// What to change.
    pub fix: &'static str,
}

/// One problem found in one object.
#[derive(Debug, Clone)]
pub struct Finding {
    /// The rule that found it.
    pub rule: &'static Rule,
    /// The file the object came from (relative path), or "rendered".
    pub source: String,
    /// `Kind/namespace/name`, or `Kind/name` for objects without a namespace.
    pub object: String,
    /// What is wrong with this object in particular. Never holds a Secret's value.
    pub message: String,
}

const LINK_NS_SCOPE: &str = "https://kubernetes.io/docs/concepts/overview/working-with-objects/namespaces/#not-all-objects-are-in-a-namespace";
const LINK_NETPOL: &str =
    "https://kubernetes.io/docs/concepts/services-networking/network-policies/";
const LINK_PSS: &str =
    "https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted";
const LINK_IMAGES: &str =
    "https://kubernetes.io/docs/concepts/containers/images/#image-pull-policy";
const LINK_SECRETS: &str = "https://kubernetes.io/docs/concepts/security/secrets-good-practices/";
const LINK_SERVICE: &str = "https://kubernetes.io/docs/concepts/services-networking/service/";

static RULES: [Rule; 34] = [
    Rule {
        id: "MG001",
        severity: Severity::Warning,
        title: "cluster-scoped object has a namespace",
        explanation: "StorageClass, Namespace, PersistentVolume, ClusterRole, ClusterRoleBinding, IngressClass and PriorityClass objects are cluster-scoped: the API server ignores metadata.namespace on them. The field misleads readers into thinking the object belongs to (and is removed with) the namespace, while it is shared by the whole cluster, and tools that compare Git with the cluster may report a difference that can never be synced.",
        link: LINK_NS_SCOPE,
        fix: "remove metadata.namespace from the object",
    },
    Rule {
        id: "MG002",
        severity: Severity::Error,
        title: "ingress-nginx rewrite-target without a capture group on an Ingress with several paths",
        explanation: "In ingress-nginx the rewrite-target annotation applies to every path of the Ingress. Without a capture group ($1, $2...) in the target, every matched request is rewritten to the same fixed path: /api/x, /docs and the frontend's /assets/app.js all reach their pods as \"/\", so the API answers the wrong route and static assets come back as index.html. Using rewrite-target also turns on regular-expression location matching for every path of that host.",
        link: "https://kubernetes.github.io/ingress-nginx/examples/rewrite/",
        fix: "drop the annotation when the application serves its routes under their own paths; to strip a prefix, put that path in its own Ingress with a capture group, e.g. path /api(/|$)(.*) and rewrite-target /$2 with pathType ImplementationSpecific",
    },
    Rule {
        id: "MG003",
        severity: Severity::Error,
        title: "single-writer (SQLite / ReadWriteOnce) Deployment runs more than one pod or rolls out with RollingUpdate",
        explanation: "A ReadWriteOnce volume attaches to one node, and SQLite allows one writer. A second replica on another node fails with a Multi-Attach error; on the same node it becomes a second writer of the same database file. The default RollingUpdate strategy starts the new pod before stopping the old one, so a rollout either stalls on the volume or briefly runs two writers. Such a Deployment needs exactly one replica and the Recreate strategy.",
        link: "https://kubernetes.io/docs/concepts/storage/persistent-volumes/#access-modes",
        fix: "set spec.replicas: 1 and spec.strategy.type: Recreate; scale out only after moving to a client-server database",
    },
    Rule {
        id: "MG004",
        severity: Severity::Error,
        title: "HorizontalPodAutoscaler targets a Deployment that mounts a ReadWriteOnce volume or SQLite database",
        explanation: "An autoscaler adds pods to the Deployment when load rises. Every added pod needs the same ReadWriteOnce volume (Multi-Attach error on another node) and would be another writer of the single SQLite file, so the autoscaler produces failing pods or database corruption exactly when the application is busiest.",
        link: "https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/",
        fix: "remove the HorizontalPodAutoscaler for this Deployment and keep it at one replica",
    },
    Rule {
        id: "MG005",
        severity: Severity::Error,
        title: "SQLite URL with a relative path (three slashes)",
        explanation: "SQLAlchemy reads the file name after the third slash, so sqlite:///app/data/db.sqlite names the relative path app/data/db.sqlite, resolved against the process's working directory (with WORKDIR /app: /app/app/data/db.sqlite). The database then lives outside the mounted volume, in the container's writable layer, and is lost on every restart. An absolute path needs four slashes.",
        link: "https://docs.sqlalchemy.org/en/20/dialects/sqlite.html#connect-strings",
        fix: "use four slashes for an absolute path on the volume, e.g. sqlite+aiosqlite:////app/data/magnetiq.db",
    },
    Rule {
        id: "MG006",
        severity: Severity::Error,
        title: "ArgoCD directory Application does not recurse into subdirectories",
        explanation: "By default an ArgoCD directory source includes only the files at the root of source.path. The manifests in subdirectories of this tree (such as backend/ and frontend/) are silently left out of the sync: the Application reports Synced while the workloads were never deployed.",
        link: "https://argo-cd.readthedocs.io/en/stable/user-guide/directory/",
        fix: "set spec.source.directory.recurse: true",
    },
    Rule {
        id: "MG007",
        severity: Severity::Error,
        title: "ArgoCD Application is stored inside the path it syncs",
        explanation: "An Application whose own manifest lies inside its source path manages itself. With automated prune and the resources finalizer, a rename or a bad commit can make it delete itself, and the deletion cascades to every resource it deployed (argoproj/argo-cd#8846). The Application should be applied once by hand or by a parent app-of-apps, and left out of its own sync.",
        link: "https://argo-cd.readthedocs.io/en/stable/operator-manual/cluster-bootstrapping/",
        fix: "set spec.source.directory.exclude to the Application's file name (e.g. 'argocd-application.yaml', or '{argocd-application.yaml,kustomization.yaml}'), or move the file outside source.path",
    },
    Rule {
        id: "MG008",
        severity: Severity::Error,
        title: "NetworkPolicy selects a namespace by a `name` label",
        explanation: "Namespaces carry no `name` label unless someone adds it; Helm charts and plain manifests (ingress-nginx's included) do not. A namespaceSelector on `name` therefore matches nothing and the traffic it was meant to allow is dropped. The control plane sets the immutable label kubernetes.io/metadata.name on every namespace (GA since Kubernetes 1.22), which is the reliable way to target a namespace by its name.",
        link: "https://kubernetes.io/docs/concepts/services-networking/network-policies/#targeting-a-namespace-by-its-name",
        fix: "select the namespace with matchLabels: {kubernetes.io/metadata.name: <namespace>}",
    },
    Rule {
        id: "MG009",
        severity: Severity::Error,
        title: "NetworkPolicy allows DNS only to pods of its own namespace",
        explanation: "A NetworkPolicy peer with only a podSelector selects pods in the policy's own namespace. Cluster DNS (CoreDNS / kube-dns) runs in kube-system, so an egress rule for port 53 that lists only podSelector peers blocks every DNS lookup of the selected pods: they cannot resolve Services or external hosts.",
        link: LINK_NETPOL,
        fix: "allow UDP and TCP 53 to the DNS namespace: to: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}, podSelector: {matchLabels: {k8s-app: kube-dns}}}]",
    },
    Rule {
        id: "MG010",
        severity: Severity::Warning,
        title: "NetworkPolicy egress to internet ports allows only in-cluster destinations",
        explanation: "`namespaceSelector: {}` selects every pod in every namespace, and nothing outside the cluster. Addresses outside the cluster can only be allowed with an ipBlock peer. An egress rule for HTTPS or SMTP ports whose only peers are namespace or pod selectors therefore blocks the external APIs and mail relays it appears to allow.",
        link: LINK_NETPOL,
        fix: "allow external destinations with ipBlock peers, e.g. {ipBlock: {cidr: 0.0.0.0/0}} and {ipBlock: {cidr: ::/0}}, optionally with except: [<pod and service CIDRs>]",
    },
    Rule {
        id: "MG011",
        severity: Severity::Warning,
        title: "Ingress does not set spec.ingressClassName",
        explanation: "Without spec.ingressClassName an Ingress is served only if the cluster has an IngressClass marked ingressclass.kubernetes.io/is-default-class, or a controller started with --watch-ingress-without-class; otherwise no controller picks it up and the site is unreachable. The kubernetes.io/ingress.class annotation still works with ingress-nginx but has been deprecated since Kubernetes 1.18.",
        link: "https://kubernetes.io/docs/concepts/services-networking/ingress/#default-ingress-class",
        fix: "set spec.ingressClassName (e.g. nginx) and remove the kubernetes.io/ingress.class annotation",
    },
    Rule {
        id: "MG012",
        severity: Severity::Warning,
        title: "Role is bound by no RoleBinding",
        explanation: "A Role grants nothing by itself: permissions reach a user, group or ServiceAccount only through a RoleBinding that refers to the Role. A Role with no binding in the set is either dead configuration or relies on a binding created out of band, which GitOps cannot see.",
        link: "https://kubernetes.io/docs/reference/access-authn-authz/rbac/#rolebinding-and-clusterrolebinding",
        fix: "add a RoleBinding with roleRef {kind: Role, name: <role>} and the subjects that need it, or remove the Role",
    },
    Rule {
        id: "MG013",
        severity: Severity::Error,
        title: "Secret holds placeholder or empty values",
        explanation: "Values such as change-this, changeme, your-... or empty strings are placeholders. Applied as they are, the application starts with a guessable signing key or broken credentials; under GitOps the placeholders are re-applied on every sync, overwriting real values that were put into the cluster by hand.",
        link: LINK_SECRETS,
        fix: "declare the Secret without data (or leave it out of Git) and set real values in the cluster, e.g. with kubectl patch, SealedSecrets or External Secrets",
    },
    Rule {
        id: "MG014",
        severity: Severity::Warning,
        title: "Secret values are stored in the manifest",
        explanation: "Secret data in a manifest is only base64-encoded, not encrypted: whoever can read the repository can read the values, and they stay in Git history. Under GitOps every sync also re-applies these values over any rotated value in the cluster.",
        link: LINK_SECRETS,
        fix: "commit the Secret without data and set the values in the cluster, or use SealedSecrets / External Secrets",
    },
    Rule {
        id: "MG015",
        severity: Severity::Warning,
        title: "container without CPU/memory requests or memory limit",
        explanation: "Without requests the scheduler places pods as if they needed nothing, so nodes get overcommitted and the pod is among the first evicted under pressure (BestEffort QoS). Without a memory limit one leaking container can exhaust the node's memory. An HPA on CPU utilisation also needs a CPU request to compute utilisation.",
        link: "https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/",
        fix: "set resources.requests.cpu, resources.requests.memory and resources.limits.memory",
    },
    Rule {
        id: "MG016",
        severity: Severity::Warning,
        title: "container without liveness or readiness probe",
        explanation: "Without a readiness probe a pod receives traffic as soon as its process starts, before the application can answer, and keeps receiving it when it stops answering. Without a liveness probe a hung process is never restarted.",
        link: "https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/",
        fix: "add readinessProbe and livenessProbe (and a startupProbe for slow first starts) on the application's health endpoint",
    },
    Rule {
        id: "MG017",
        severity: Severity::Error,
        title: "container may run as root",
        explanation: "Unless runAsNonRoot is true (on the pod or the container), the container runs as whatever user the image declares, often root. A compromise of the application then gives root inside the container, one kernel bug away from the node. The Pod Security Standard \"restricted\" requires runAsNonRoot: true and forbids runAsUser: 0.",
        link: LINK_PSS,
        fix: "set securityContext.runAsNonRoot: true and a non-zero runAsUser/runAsGroup (and fsGroup so the volumes are writable)",
    },
    Rule {
        id: "MG018",
        severity: Severity::Error,
        title: "container keeps privilege escalation, Linux capabilities or an unconfined seccomp profile",
        explanation: "The Pod Security Standard \"restricted\" requires allowPrivilegeEscalation: false (no setuid gains), capabilities.drop: [ALL] (the runtime otherwise grants a default set such as CHOWN, NET_RAW and SETUID), a seccompProfile of RuntimeDefault or Localhost (otherwise many runtimes run containers unconfined), and no privileged containers.",
        link: LINK_PSS,
        fix: "set securityContext.allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}, and seccompProfile: {type: RuntimeDefault} on the pod or container",
    },
    Rule {
        id: "MG019",
        severity: Severity::Warning,
        title: "container root filesystem is writable",
        explanation: "With a writable root filesystem an attacker can drop and run tools or modify the application in the container, and data written outside volumes disappears silently on restart. readOnlyRootFilesystem: true turns both into visible errors; paths that must be writable (/tmp, caches) get an emptyDir.",
        link: "https://kubernetes.io/docs/tasks/configure-pod-container/security-context/",
        fix: "set securityContext.readOnlyRootFilesystem: true and mount an emptyDir on the paths the application writes to (e.g. /tmp)",
    },
    Rule {
        id: "MG020",
        severity: Severity::Error,
        title: "pod mounts a Kubernetes API token it does not ask for",
        explanation: "Unless automountServiceAccountToken is false on the pod or its ServiceAccount, every container gets a token for the Kubernetes API at /var/run/secrets/kubernetes.io/serviceaccount. An application that never calls the API gains nothing from it, and anyone who compromises the application can use it with whatever the ServiceAccount is allowed.",
        link: "https://kubernetes.io/docs/tasks/configure-pod-container/configure-service-account/#opt-out-of-api-credential-automounting",
        fix: "set automountServiceAccountToken: false on the pod spec or its ServiceAccount (set it to true on the pod only when the application uses the API)",
    },
    Rule {
        id: "MG021",
        severity: Severity::Error,
        title: "image uses the latest tag or no tag",
        explanation: "An image without a tag means :latest. The manifest then does not say which version runs: pods started at different times (a reschedule, a new replica) may run different builds, a rollback to an earlier commit changes nothing, and GitOps cannot tell that a new version should be deployed. Kubernetes also defaults imagePullPolicy to Always for :latest.",
        link: LINK_IMAGES,
        fix: "use an immutable version tag (e.g. :v2.0.0) or a digest (@sha256:...)",
    },
    Rule {
        id: "MG022",
        severity: Severity::Warning,
        title: "imagePullPolicy Always on a versioned image",
        explanation: "With imagePullPolicy: Always the kubelet contacts the registry for every container start, even when the versioned image is already on the node. A registry outage or expired pull credentials then stop pods from restarting or rescheduling, for no benefit when the tag is never overwritten.",
        link: LINK_IMAGES,
        fix: "set imagePullPolicy: IfNotPresent for versioned tags and digests",
    },
    Rule {
        id: "MG023",
        severity: Severity::Error,
        title: "Deployment scaled by an HPA also sets spec.replicas",
        explanation: "The HorizontalPodAutoscaler owns the replica count. When the manifest also sets spec.replicas, every apply or ArgoCD sync (and self-heal) resets the count to the value in Git, fighting the autoscaler and dropping capacity under load. Kubernetes recommends removing spec.replicas from the manifest of an autoscaled workload.",
        link: "https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/#migrating-deployments-and-statefulsets-to-horizontal-autoscaling",
        fix: "remove spec.replicas from the Deployment (or make ArgoCD ignore /spec/replicas with ignoreDifferences and RespectIgnoreDifferences=true)",
    },
    Rule {
        id: "MG024",
        severity: Severity::Warning,
        title: "data-holding object is deleted with its ArgoCD Application",
        explanation: "An Application with the resources-finalizer.argocd.argoproj.io finalizer deletes every resource it manages when it is deleted or renamed. That includes PersistentVolumeClaims (and a Namespace, with everything in it), so the database and media volumes go with it. The per-resource sync option Delete=false keeps the object when the Application is deleted; Prune=false also keeps it when it disappears from Git.",
        link: "https://argo-cd.readthedocs.io/en/stable/user-guide/sync-options/",
        fix: "annotate the object with argocd.argoproj.io/sync-options: Prune=false,Delete=false",
    },
    Rule {
        id: "MG025",
        severity: Severity::Error,
        title: "Service selects no workload in the set",
        explanation: "A Service sends traffic to the pods whose labels contain all of its selector's labels. When no workload's pod template carries those labels, the Service has no endpoints and every request to it fails (a 503 from the Ingress).",
        link: LINK_SERVICE,
        fix: "make spec.selector a subset of the pod template labels of the intended workload",
    },
    Rule {
        id: "MG026",
        severity: Severity::Error,
        title: "Service targetPort names a port the selected containers do not have",
        explanation: "A named targetPort is looked up among the container ports of each selected pod. If no container declares a port with that name, the pod is left out of the Service's endpoints and traffic to it fails.",
        link: LINK_SERVICE,
        fix: "name the container port (ports[].name) as the Service's targetPort, or use the port number",
    },
    Rule {
        id: "MG027",
        severity: Severity::Warning,
        title: "replicated workload without a PodDisruptionBudget",
        explanation: "A workload that runs several pods for availability can still lose all of them at once during voluntary disruptions (a node drain, a cluster upgrade), because nothing tells the eviction API how many must stay up. A PodDisruptionBudget does.",
        link: "https://kubernetes.io/docs/tasks/run-application/configure-pdb/",
        fix: "add a policy/v1 PodDisruptionBudget whose selector matches the pods, e.g. with maxUnavailable: 1",
    },
    Rule {
        id: "MG028",
        severity: Severity::Warning,
        title: "reference to an object that is not in the set",
        explanation: "The object refers to a ConfigMap, Secret, PersistentVolumeClaim, ServiceAccount, StorageClass, Role, Service or Deployment that is not declared among the linted manifests. If it is not created out of band the pod stays in ContainerCreating or CreateContainerConfigError (or the claim stays Pending, the HPA or Ingress backend does nothing); a typo in the name has the same effect.",
        link: "https://kubernetes.io/docs/concepts/configuration/configmap/",
        fix: "declare the referenced object in the tree, correct the name, or mark the reference optional if the object may be absent",
    },
    Rule {
        id: "MG029",
        severity: Severity::Error,
        title: "configMapKeyRef names a key the ConfigMap does not have",
        explanation: "An env entry taken from a ConfigMap key that does not exist stops the container from starting (CreateContainerConfigError) unless the reference is optional.",
        link: "https://kubernetes.io/docs/tasks/configure-pod-container/configure-pod-configmap/",
        fix: "add the key to the ConfigMap, correct the key name, or set optional: true",
    },
    Rule {
        id: "MG030",
        severity: Severity::Error,
        title: "workload selector does not match its pod template labels",
        explanation: "A Deployment's (StatefulSet's, DaemonSet's) spec.selector must match the labels of spec.template; the API server rejects the object otherwise. The selector is also immutable after creation, so it should hold only labels that never change between releases.",
        link: "https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#selector",
        fix: "make spec.selector.matchLabels a subset of spec.template.metadata.labels",
    },
    Rule {
        id: "MG031",
        severity: Severity::Warning,
        title: "ReadWriteMany claim on a Longhorn StorageClass",
        explanation: "Longhorn serves ReadWriteMany volumes through a share-manager pod over NFSv4, so every node that mounts the volume needs an NFS client (nfs-common / nfs-utils); without it the mount fails. When a single pod uses the volume, ReadWriteOnce avoids the NFS hop entirely.",
        link: "https://longhorn.io/docs/latest/nodes-and-volumes/volumes/rwx-volumes/",
        fix: "use accessModes: [ReadWriteOnce] unless several pods on different nodes must mount the volume, and then install an NFSv4 client on every node",
    },
    Rule {
        id: "MG032",
        severity: Severity::Warning,
        title: "ingress-nginx proxy-connect-timeout above 75 seconds",
        explanation: "nginx documents that the proxy connect timeout usually cannot exceed 75 seconds, so a larger value of nginx.ingress.kubernetes.io/proxy-connect-timeout does not do what it says. Long-running requests are governed by proxy-read-timeout and proxy-send-timeout instead.",
        link: "https://nginx.org/en/docs/http/ngx_http_proxy_module.html#proxy_connect_timeout",
        fix: "remove proxy-connect-timeout (or set it to at most 75) and keep proxy-read-timeout / proxy-send-timeout for slow requests",
    },
    Rule {
        id: "MG033",
        severity: Severity::Error,
        title: "Longhorn RecurringJob cron that Longhorn's parser refuses",
        explanation: "Longhorn reads spec.cron with robfig/cron's standard parser: five fields (minute 0-59, hour 0-23, day of month 1-31, month 1-12 or JAN-DEC, day of week 0-6 or SUN-SAT), each a list of *, numbers, ranges a-b and steps /n, or a descriptor such as @daily. Its admission webhook refuses anything else (day of week 7, a range 1-2-3, a step /0), so the RecurringJob is never created and no backup runs, while the rest of the sync succeeds.",
        link: "https://longhorn.io/docs/latest/snapshots-and-backups/scheduling-backups-and-snapshots/",
        fix: "write the schedule in the five-field form, e.g. \"0 2 * * *\" for 02:00 every day, with Sunday as 0",
    },
    Rule {
        id: "MG034",
        severity: Severity::Error,
        title: "container mounts two volumes at one path",
        explanation: "The API server refuses a pod whose container lists one mountPath twice (\"must be unique\"). Two spellings of one directory (/app/data and /app/data/, /app//data) pass the API server but clash in the container runtime, where one volume hides the other: an emptyDir over the database volume means writes that vanish on restart.",
        link: "https://kubernetes.io/docs/concepts/storage/volumes/",
        fix: "give each volume mount its own directory, and drop a scratch emptyDir where a volume is already mounted",
    },
];

/// Every rule, in id order.
pub fn rules() -> &'static [Rule] {
    &RULES
}

fn rule(id: &str) -> &'static Rule {
    // The ids used below are all in RULES; a test checks each one resolves.
    RULES
        .iter()
        .find(|r| r.id == id)
        .unwrap_or_else(|| unreachable!("lint rule {id} is not defined"))
}

// ---------------------------------------------------------------------------------------
// Value navigation: never panics, treats a wrong type as "not set".

fn get<'a>(v: &'a Value, path: &[&str]) -> Option<&'a Value> {
    path.iter().try_fold(v, |cur, key| cur.get(*key))
}

fn get_str<'a>(v: &'a Value, path: &[&str]) -> Option<&'a str> {
    get(v, path).and_then(Value::as_str)
}

fn get_arr<'a>(v: &'a Value, path: &[&str]) -> &'a [Value] {
    get(v, path)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

fn get_map<'a>(v: &'a Value, path: &[&str]) -> Option<&'a Map<String, Value>> {
    get(v, path).and_then(Value::as_object)
}

fn get_bool(v: &Value, path: &[&str]) -> Option<bool> {
    get(v, path).and_then(Value::as_bool)
}

/// An integer written as a number or as a quoted number.
fn as_int(v: &Value) -> Option<i64> {
    v.as_i64()
        .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
}

fn same_ns(a: &str, b: &str) -> bool {
    a == b || a.is_empty() || b.is_empty()
}

const CLUSTER_SCOPED: &[&str] = &[
    "StorageClass",
    "Namespace",
    "PersistentVolume",
    "ClusterRole",
    "ClusterRoleBinding",
    "IngressClass",
    "PriorityClass",
    "CustomResourceDefinition",
    "CSIDriver",
    "VolumeSnapshotClass",
    "ClusterIssuer",
];

const WORKLOAD_KINDS: &[&str] = &[
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "Job",
    "CronJob",
    "Pod",
];

/// One linted object with its identity pre-read.
struct Obj<'a> {
    source: &'a str,
    v: &'a Value,
    kind: &'a str,
    ns: &'a str,
    name: &'a str,
}

impl Obj<'_> {
    fn id(&self) -> String {
        if self.ns.is_empty() {
            format!("{}/{}", self.kind, self.name)
        } else {
            format!("{}/{}/{}", self.kind, self.ns, self.name)
        }
    }

    fn is(&self, kind: &str) -> bool {
        self.kind == kind
    }

    /// Pod template labels and pod spec of a workload.
    fn pod(&self) -> Option<(Option<&Map<String, Value>>, &Value)> {
        let template = match self.kind {
            "Pod" => Some(self.v),
            "CronJob" => get(self.v, &["spec", "jobTemplate", "spec", "template"]),
            k if WORKLOAD_KINDS.contains(&k) => get(self.v, &["spec", "template"]),
            _ => None,
        }?;
        let spec = template.get("spec")?;
        Some((get_map(template, &["metadata", "labels"]), spec))
    }

    fn annotation(&self, key: &str) -> Option<&str> {
        get_map(self.v, &["metadata", "annotations"])
            .and_then(|m| m.get(key))
            .and_then(Value::as_str)
    }
}

fn containers(spec: &Value, with_init: bool) -> impl Iterator<Item = &Value> {
    let init: &[Value] = if with_init {
        get_arr(spec, &["initContainers"])
    } else {
        &[]
    };
    get_arr(spec, &["containers"])
        .iter()
        .chain(init.iter())
        .filter(|c| c.is_object())
}

fn cname(c: &Value) -> &str {
    get_str(c, &["name"]).unwrap_or("?")
}

/// Does a plain `key: value` selector (Service) select these labels?
fn map_selects(sel: &Map<String, Value>, labels: Option<&Map<String, Value>>) -> bool {
    sel.iter().all(|(k, v)| {
        labels
            .and_then(|l| l.get(k))
            .is_some_and(|lv| lv.as_str().is_some() && lv.as_str() == v.as_str())
    })
}

/// Does a metav1.LabelSelector (matchLabels + matchExpressions) select these labels?
fn label_selector_matches(sel: &Value, labels: Option<&Map<String, Value>>) -> bool {
    if let Some(ml) = get_map(sel, &["matchLabels"])
        && !map_selects(ml, labels)
    {
        return false;
    }
    get_arr(sel, &["matchExpressions"]).iter().all(|e| {
        let key = get_str(e, &["key"]).unwrap_or("");
        let have = labels.and_then(|l| l.get(key)).and_then(Value::as_str);
        let values: Vec<&str> = get_arr(e, &["values"])
            .iter()
            .filter_map(Value::as_str)
            .collect();
        match get_str(e, &["operator"]).unwrap_or("") {
            "In" => have.is_some_and(|h| values.contains(&h)),
            "NotIn" => !have.is_some_and(|h| values.contains(&h)),
            "Exists" => have.is_some(),
            "DoesNotExist" => have.is_none(),
            _ => false,
        }
    })
}

fn comma_list_has(value: Option<&str>, wanted: &str) -> bool {
    value.is_some_and(|v| v.split(',').any(|p| p.trim().eq_ignore_ascii_case(wanted)))
}

/// How deep `{...}` alternatives may nest in an include/exclude glob. Deeper globs are
/// reported as unreadable rather than matched (matching recurses once per level).
const MAX_GLOB_NESTING: usize = 32;

/// One element of a parsed glob.
#[derive(Debug)]
enum GlobItem {
    /// A byte that must match itself.
    Byte(u8),
    /// `*`: any run of bytes without '/'.
    Star,
    /// `?`: one byte other than '/'.
    One,
    /// `{a,b,...}`: any one of the alternatives (each a sequence, possibly with groups).
    Alt(Vec<Vec<GlobItem>>),
}

/// Parses a glob: `*` (not across '/'), `?`, and `{a,b}` alternatives, which may nest. A
/// brace without its partner is a literal byte. Errors when alternatives nest deeper than
/// [`MAX_GLOB_NESTING`].
fn parse_glob(pattern: &str) -> Result<Vec<GlobItem>, String> {
    let p = pattern.as_bytes();
    // Pair the braces first (innermost pairs, like brackets), so parsing never has to try a
    // group and back off: every '{' either has its '}' or is a literal.
    let mut partner = vec![None; p.len()];
    let mut open = Vec::new();
    for (i, &c) in p.iter().enumerate() {
        match c {
            b'{' => open.push(i),
            b'}' => {
                if let Some(o) = open.pop() {
                    partner[o] = Some(i);
                    partner[i] = Some(o);
                }
            }
            _ => {}
        }
    }
    fn seq(
        p: &[u8],
        partner: &[Option<usize>],
        range: std::ops::Range<usize>,
        depth: usize,
    ) -> Result<Vec<GlobItem>, String> {
        let mut items = Vec::new();
        let mut i = range.start;
        while i < range.end {
            match (p[i], partner[i]) {
                (b'{', Some(close)) => {
                    if depth >= MAX_GLOB_NESTING {
                        return Err(format!(
                            "its {{...}} alternatives nest deeper than {MAX_GLOB_NESTING} levels"
                        ));
                    }
                    // Split the group's inside at the commas that are not inside a
                    // nested group.
                    let mut alts = Vec::new();
                    let mut start = i + 1;
                    let mut j = i + 1;
                    while j < close {
                        match (p[j], partner[j]) {
                            (b'{', Some(c)) => j = c + 1,
                            (b',', _) => {
                                alts.push(seq(p, partner, start..j, depth + 1)?);
                                start = j + 1;
                                j += 1;
                            }
                            _ => j += 1,
                        }
                    }
                    alts.push(seq(p, partner, start..close, depth + 1)?);
                    items.push(GlobItem::Alt(alts));
                    i = close + 1;
                    continue;
                }
                (b'*', _) => items.push(GlobItem::Star),
                (b'?', _) => items.push(GlobItem::One),
                (c, _) => items.push(GlobItem::Byte(c)),
            }
            i += 1;
        }
        Ok(items)
    }
    seq(p, &partner, 0..p.len(), 0)
}

/// Where a match of `items` can end in `s`, given where it can start (`starts[i]`: a match
/// may start at byte `i`). Sets of positions rather than backtracking: each item costs
/// O(len(s)) however many alternatives and stars the glob holds, so a glob such as `{a,b}`
/// repeated 26 times is matched in linear time instead of trying 2^26 expansions.
fn glob_ends(items: &[GlobItem], s: &[u8], starts: Vec<bool>) -> Vec<bool> {
    let n = s.len();
    let mut cur = starts;
    for item in items {
        if !cur.contains(&true) {
            break;
        }
        let mut next = vec![false; n + 1];
        match item {
            GlobItem::Byte(c) => {
                for i in 0..n {
                    next[i + 1] = cur[i] && s[i] == *c;
                }
            }
            GlobItem::One => {
                for i in 0..n {
                    next[i + 1] = cur[i] && s[i] != b'/';
                }
            }
            GlobItem::Star => {
                let mut reach = false;
                for j in 0..=n {
                    reach |= cur[j];
                    next[j] = reach;
                    if j < n && s[j] == b'/' {
                        reach = false;
                    }
                }
            }
            GlobItem::Alt(alts) => {
                for alt in alts {
                    for (k, end) in glob_ends(alt, s, cur.clone()).into_iter().enumerate() {
                        next[k] |= end;
                    }
                }
            }
        }
        cur = next;
    }
    cur
}

/// Whether `path` matches the glob `pattern` (see [`parse_glob`]); an error when the glob
/// cannot be read.
fn glob_matches(pattern: &str, path: &str) -> Result<bool, String> {
    let items = parse_glob(pattern)?;
    let s = path.as_bytes();
    let mut starts = vec![false; s.len() + 1];
    starts[0] = true;
    Ok(glob_ends(&items, s, starts)[s.len()])
}

/// Decodes a Secret's `data` value as the API server does (Go's standard base64 with
/// padding, line breaks ignored); None when it is not valid base64, which the API server
/// would refuse. The one decoder for lint and import.
pub fn decode_secret_data(s: &str) -> Option<Vec<u8>> {
    use base64::Engine as _;
    use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
    // Go's decoder ignores leftover bits in the last character; so does this one.
    const GO_STD: GeneralPurpose = GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new()
            .with_decode_allow_trailing_bits(true)
            .with_decode_padding_mode(DecodePaddingMode::RequireCanonical),
    );
    let compact: String = s.chars().filter(|c| !matches!(c, '\r' | '\n')).collect();
    GO_STD.decode(compact).ok()
}

/// `Some(path)` when a SQLAlchemy SQLite URL names a relative file path.
fn relative_sqlite_path(url: &str) -> Option<&str> {
    let url = url.trim();
    let (_, rest) = url.split_once("://")?;
    if !is_sqlite_url(url) {
        return None;
    }
    // rest starts after "//"; the database path follows the next '/'.
    let path = rest.strip_prefix('/')?;
    let path = path.split('?').next().unwrap_or("");
    if path.is_empty() || path.starts_with('/') || path == ":memory:" {
        return None;
    }
    Some(path)
}

#[derive(Debug, PartialEq)]
enum ImageTag<'a> {
    Digest,
    Tag(&'a str),
    None,
}

fn image_tag(image: &str) -> ImageTag<'_> {
    if image.contains('@') {
        return ImageTag::Digest;
    }
    let last = image.rsplit('/').next().unwrap_or(image);
    match last.rsplit_once(':') {
        Some((_, tag)) if !tag.is_empty() => ImageTag::Tag(tag),
        _ => ImageTag::None,
    }
}

fn port_number(v: &Value) -> Option<i64> {
    as_int(v)
}

fn rule_ports(rule: &Value) -> Vec<i64> {
    get_arr(rule, &["ports"])
        .iter()
        .filter_map(|p| p.get("port").and_then(port_number))
        .collect()
}

// ---------------------------------------------------------------------------------------

struct Linter<'a> {
    objs: Vec<Obj<'a>>,
    findings: Vec<Finding>,
}

impl<'a> Linter<'a> {
    fn find(&self, kind: &str, ns: &str, name: &str) -> Option<&Obj<'a>> {
        self.objs
            .iter()
            .find(|o| o.kind == kind && o.name == name && same_ns(o.ns, ns))
    }

    fn has(&self, kind: &str, ns: &str, name: &str) -> bool {
        if kind == "Secret" {
            return self.has_secret(ns, name);
        }
        self.find(kind, ns, name).is_some()
    }

    /// A Secret is in the set when declared, or when an ExternalSecret or SealedSecret in
    /// the set creates it (their target name defaults to their own name).
    fn has_secret(&self, ns: &str, name: &str) -> bool {
        self.objs.iter().any(|o| {
            same_ns(o.ns, ns)
                && match o.kind {
                    "Secret" => o.name == name,
                    "ExternalSecret" => {
                        get_str(o.v, &["spec", "target", "name"]).unwrap_or(o.name) == name
                    }
                    "SealedSecret" => {
                        get_str(o.v, &["spec", "template", "metadata", "name"]).unwrap_or(o.name)
                            == name
                    }
                    _ => false,
                }
        })
    }

    /// Claims a workload mounts that are ReadWriteOnce(Pod) in the set, or, when the
    /// workload uses SQLite, any claim it mounts. Empty when the workload is not single-writer.
    fn single_writer_claims(&self, o: &Obj<'_>) -> Vec<String> {
        let Some((_, spec)) = o.pod() else {
            return Vec::new();
        };
        let claims: Vec<&str> = get_arr(spec, &["volumes"])
            .iter()
            .filter_map(|v| get_str(v, &["persistentVolumeClaim", "claimName"]))
            .collect();
        let rwo: Vec<String> = claims
            .iter()
            .filter(|c| {
                self.find("PersistentVolumeClaim", o.ns, c)
                    .is_some_and(|pvc| {
                        get_arr(pvc.v, &["spec", "accessModes"]).iter().any(|m| {
                            matches!(m.as_str(), Some("ReadWriteOnce" | "ReadWriteOncePod"))
                        })
                    })
            })
            .map(|c| c.to_string())
            .collect();
        if !rwo.is_empty() {
            return rwo;
        }
        if !claims.is_empty() && self.uses_sqlite(o.ns, spec) {
            return claims.iter().map(|c| c.to_string()).collect();
        }
        Vec::new()
    }

    /// Whether any container sees a `sqlite` URL, directly or through a ConfigMap.
    fn uses_sqlite(&self, ns: &str, spec: &Value) -> bool {
        let is_sqlite = |s: &str| is_sqlite_url(s);
        let cm_has_sqlite = |name: &str, key: Option<&str>| {
            self.find("ConfigMap", ns, name).is_some_and(|cm| {
                get_map(cm.v, &["data"]).is_some_and(|d| {
                    d.iter()
                        .filter(|(k, _)| key.is_none_or(|want| want == k.as_str()))
                        .any(|(_, v)| v.as_str().is_some_and(is_sqlite))
                })
            })
        };
        containers(spec, true).any(|c| {
            get_arr(c, &["env"]).iter().any(|e| {
                get_str(e, &["value"]).is_some_and(is_sqlite)
                    || get_str(e, &["valueFrom", "configMapKeyRef", "name"]).is_some_and(|n| {
                        cm_has_sqlite(n, get_str(e, &["valueFrom", "configMapKeyRef", "key"]))
                    })
            }) || get_arr(c, &["envFrom"]).iter().any(|ef| {
                get_str(ef, &["configMapRef", "name"]).is_some_and(|n| cm_has_sqlite(n, None))
            })
        })
    }

    /// HPAs in the set that scale this workload.
    fn hpas_for(&self, o: &Obj<'_>) -> Vec<&Obj<'a>> {
        self.objs
            .iter()
            .filter(|h| {
                h.is("HorizontalPodAutoscaler")
                    && same_ns(h.ns, o.ns)
                    && get_str(h.v, &["spec", "scaleTargetRef", "kind"]) == Some(o.kind)
                    && get_str(h.v, &["spec", "scaleTargetRef", "name"]) == Some(o.name)
            })
            .collect()
    }

    fn finalizing_app(&self) -> Option<&Obj<'a>> {
        self.objs.iter().find(|a| {
            a.is("Application")
                && get_arr(a.v, &["metadata", "finalizers"])
                    .iter()
                    .filter_map(Value::as_str)
                    .any(|f| f.starts_with("resources-finalizer.argocd.argoproj.io"))
        })
    }

    fn run(&mut self) {
        let tree_has_subdirs = self
            .objs
            .iter()
            .any(|o| o.source.contains('/') && o.source != "rendered");
        for i in 0..self.objs.len() {
            let o = &self.objs[i];
            // Split borrows: rules read `self.objs` and push findings afterwards.
            let mut out: Vec<(&'static str, String)> = Vec::new();
            self.check_object(o, tree_has_subdirs, &mut out);
            let (source, id) = (o.source.to_string(), o.id());
            for (rid, message) in out {
                self.findings.push(Finding {
                    rule: rule(rid),
                    source: source.clone(),
                    object: id.clone(),
                    message,
                });
            }
        }
    }

    fn check_object(
        &self,
        o: &Obj<'a>,
        tree_has_subdirs: bool,
        out: &mut Vec<(&'static str, String)>,
    ) {
        // MG001
        if CLUSTER_SCOPED.contains(&o.kind)
            && let Some(ns) = get_str(o.v, &["metadata", "namespace"])
        {
            out.push((
                "MG001",
                format!(
                    "{} is cluster-scoped; metadata.namespace {ns:?} is ignored",
                    o.kind
                ),
            ));
        }
        match o.kind {
            "Ingress" => self.check_ingress(o, out),
            "NetworkPolicy" => Self::check_network_policy(o, out),
            "Application" => self.check_application(o, tree_has_subdirs, out),
            "Role" => {
                let bound = self.objs.iter().any(|b| {
                    b.is("RoleBinding")
                        && same_ns(b.ns, o.ns)
                        && get_str(b.v, &["roleRef", "kind"]) == Some("Role")
                        && get_str(b.v, &["roleRef", "name"]) == Some(o.name)
                });
                if !bound {
                    out.push((
                        "MG012",
                        format!("no RoleBinding in the set refers to Role {}", o.name),
                    ));
                }
            }
            "RoleBinding" => {
                if get_str(o.v, &["roleRef", "kind"]) == Some("Role")
                    && let Some(r) = get_str(o.v, &["roleRef", "name"])
                    && !self.has("Role", o.ns, r)
                {
                    out.push((
                        "MG028",
                        format!("roleRef names Role {r}, which is not in the set"),
                    ));
                }
            }
            "Secret" => Self::check_secret(o, out),
            "ConfigMap" => {
                if let Some(data) = get_map(o.v, &["data"]) {
                    for (k, v) in data {
                        if let Some(p) = v.as_str().and_then(relative_sqlite_path) {
                            out.push((
                                "MG005",
                                format!("{k} names the relative path {p:?}: it resolves against the working directory, not \"/{p}\""),
                            ));
                        }
                    }
                }
            }
            "PersistentVolumeClaim" => self.check_pvc(o, out),
            "Namespace" => {
                if let Some(app) = self.unguarded_against_app_delete(o) {
                    out.push((
                        "MG024",
                        format!("Application {} has the resources finalizer and this Namespace (with every volume claim in it) lacks the sync option Delete=false", app.name),
                    ));
                }
            }
            "Service" => self.check_service(o, out),
            "HorizontalPodAutoscaler" => self.check_hpa(o, out),
            "RecurringJob" => {
                if let Some(cron) = get_str(o.v, &["spec", "cron"])
                    && let Err(e) = check_cron(cron)
                {
                    out.push(("MG033", e));
                }
            }
            _ => {}
        }
        if o.pod().is_some() {
            self.check_workload(o, out);
        }
    }

    fn check_ingress(&self, o: &Obj<'a>, out: &mut Vec<(&'static str, String)>) {
        let paths: Vec<&str> = get_arr(o.v, &["spec", "rules"])
            .iter()
            .flat_map(|r| get_arr(r, &["http", "paths"]))
            .map(|p| get_str(p, &["path"]).unwrap_or("/"))
            .collect();
        if let Some(target) = o.annotation("nginx.ingress.kubernetes.io/rewrite-target")
            && !target.contains('$')
            && paths.len() > 1
        {
            out.push((
                "MG002",
                format!(
                    "rewrite-target {target:?} has no capture group: requests to all {} paths ({}) reach their Services as {target:?}",
                    paths.len(),
                    paths.join(", ")
                ),
            ));
        }
        if get_str(o.v, &["spec", "ingressClassName"]).is_none() {
            let msg = match o.annotation("kubernetes.io/ingress.class") {
                Some(c) => format!("the class is set only by the deprecated annotation kubernetes.io/ingress.class: {c}"),
                None => "no spec.ingressClassName: the Ingress is served only if the cluster has a default IngressClass".to_string(),
            };
            out.push(("MG011", msg));
        }
        if let Some(t) = o.annotation("nginx.ingress.kubernetes.io/proxy-connect-timeout")
            && let Ok(n) = t.trim().parse::<u64>()
            && n > 75
        {
            out.push((
                "MG032",
                format!("proxy-connect-timeout is {n} seconds; nginx caps connect timeouts at 75"),
            ));
        }
        // MG028: Ingress backends that name a Service not in the set.
        let backends = get_arr(o.v, &["spec", "rules"])
            .iter()
            .flat_map(|r| get_arr(r, &["http", "paths"]))
            .filter_map(|p| get(p, &["backend", "service"]))
            .chain(get(o.v, &["spec", "defaultBackend", "service"]));
        let mut seen: Vec<&str> = Vec::new();
        for svc in backends {
            let Some(name) = get_str(svc, &["name"]) else {
                continue;
            };
            if seen.contains(&name) {
                continue;
            }
            seen.push(name);
            match self.find("Service", o.ns, name) {
                None => out.push(("MG028", format!("backend Service {name} is not in the set"))),
                Some(s) => {
                    // A backend port that the Service does not expose is as broken as a
                    // missing Service.
                    let ports = get_arr(s.v, &["spec", "ports"]);
                    let want_num = get(svc, &["port", "number"]).and_then(as_int);
                    let want_name = get_str(svc, &["port", "name"]);
                    let ok = ports.iter().any(|p| {
                        want_num.is_some_and(|n| p.get("port").and_then(as_int) == Some(n))
                            || want_name.is_some_and(|n| get_str(p, &["name"]) == Some(n))
                    }) || (want_num.is_none() && want_name.is_none());
                    if !ok {
                        out.push((
                            "MG028",
                            format!("backend port of Service {name} is not one of the ports the Service exposes"),
                        ));
                    }
                }
            }
        }
    }

    fn check_network_policy(o: &Obj<'a>, out: &mut Vec<(&'static str, String)>) {
        let ingress_peers = get_arr(o.v, &["spec", "ingress"])
            .iter()
            .flat_map(|r| get_arr(r, &["from"]));
        let egress_peers = get_arr(o.v, &["spec", "egress"])
            .iter()
            .flat_map(|r| get_arr(r, &["to"]));
        for peer in ingress_peers.chain(egress_peers) {
            let Some(sel) = peer.get("namespaceSelector") else {
                continue;
            };
            let by_label = get_map(sel, &["matchLabels"])
                .and_then(|m| m.get("name"))
                .map(|v| v.as_str().unwrap_or("?").to_string());
            let by_expr = get_arr(sel, &["matchExpressions"])
                .iter()
                .any(|e| get_str(e, &["key"]) == Some("name"));
            if let Some(v) = by_label {
                out.push((
                    "MG008",
                    format!("namespaceSelector matches the label name={v}, which namespaces do not carry by default; use kubernetes.io/metadata.name: {v}"),
                ));
            } else if by_expr {
                out.push((
                    "MG008",
                    "namespaceSelector has an expression on the label `name`, which namespaces do not carry by default".to_string(),
                ));
            }
        }
        for rule in get_arr(o.v, &["spec", "egress"]) {
            let ports = rule_ports(rule);
            let to = get_arr(rule, &["to"]);
            if to.is_empty() {
                continue; // no `to` allows every destination
            }
            let pods_only = to.iter().all(|p| {
                p.get("podSelector").is_some()
                    && p.get("namespaceSelector").is_none()
                    && p.get("ipBlock").is_none()
            });
            if ports.contains(&53) && pods_only {
                out.push((
                    "MG009",
                    "egress on port 53 goes only to podSelector peers, i.e. pods of this namespace; cluster DNS in kube-system is blocked".to_string(),
                ));
            }
            let external: Vec<i64> = ports
                .iter()
                .copied()
                .filter(|p| [25, 80, 443, 465, 587].contains(p))
                .collect();
            let has_ip_block = to.iter().any(|p| p.get("ipBlock").is_some());
            let all_namespaces = to.iter().any(|p| {
                p.get("namespaceSelector").is_some_and(|s| {
                    get_map(s, &["matchLabels"]).is_none_or(Map::is_empty)
                        && get_arr(s, &["matchExpressions"]).is_empty()
                })
            });
            if !external.is_empty() && !has_ip_block && all_namespaces {
                let list: Vec<String> = external.iter().map(i64::to_string).collect();
                out.push((
                    "MG010",
                    format!(
                        "egress on port(s) {} goes to `namespaceSelector: {{}}` (pods in the cluster) with no ipBlock, so hosts outside the cluster are blocked",
                        list.join(", ")
                    ),
                ));
            }
        }
    }

    fn check_application(
        &self,
        o: &Obj<'a>,
        tree_has_subdirs: bool,
        out: &mut Vec<(&'static str, String)>,
    ) {
        let sources: Vec<&Value> = get(o.v, &["spec", "source"])
            .into_iter()
            .chain(get_arr(o.v, &["spec", "sources"]))
            .collect();
        for src in sources {
            let is_directory = ["helm", "kustomize", "plugin", "chart"]
                .iter()
                .all(|k| src.get(*k).is_none());
            if !is_directory || get_str(src, &["path"]).is_none() {
                continue;
            }
            let path = get_str(src, &["path"]).unwrap_or("");
            let recurse = get_bool(src, &["directory", "recurse"]) == Some(true);
            if !recurse && tree_has_subdirs {
                out.push((
                    "MG006",
                    format!("source path {path:?} is synced without directory.recurse: true, so the manifests in subdirectories of the tree are never deployed"),
                ));
            }
            let include = get_str(src, &["directory", "include"]);
            let exclude = get_str(src, &["directory", "exclude"]);
            let synced = if o.source == "rendered" {
                exclude.is_none()
            } else {
                let base = o.source.rsplit('/').next().unwrap_or(o.source);
                let matches = |g: Option<&str>| -> Result<Option<bool>, String> {
                    g.map(|g| Ok(glob_matches(g, o.source)? || glob_matches(g, base)?))
                        .transpose()
                };
                match (matches(include), matches(exclude)) {
                    (Ok(included), Ok(excluded)) => {
                        (recurse || !o.source.contains('/'))
                            && included != Some(false)
                            && excluded != Some(true)
                    }
                    (Err(e), _) | (_, Err(e)) => {
                        // Fail closed: a glob the linter cannot read may well let the
                        // Application's own file through.
                        out.push((
                            "MG007",
                            format!("cannot tell whether the Application's own manifest ({}) is excluded from source path {path:?}: a directory include/exclude glob is unreadable ({e})", o.source),
                        ));
                        continue;
                    }
                }
            };
            if synced {
                out.push((
                    "MG007",
                    format!("the Application's own manifest ({}) is inside source path {path:?} and not excluded, so the Application manages (and can prune) itself", o.source),
                ));
            }
        }
        // MG028-style check is not done for the Application: its destination lives in
        // another cluster scope.
    }

    fn check_secret(o: &Obj<'a>, out: &mut Vec<(&'static str, String)>) {
        let mut keys: Vec<&str> = Vec::new();
        let mut placeholders: Vec<&str> = Vec::new();
        if let Some(m) = get_map(o.v, &["stringData"]) {
            for (k, v) in m {
                keys.push(k);
                let s = match v {
                    Value::String(s) => s.clone(),
                    Value::Null => String::new(),
                    other => other.to_string(),
                };
                if is_placeholder(&s) {
                    placeholders.push(k);
                }
            }
        }
        if let Some(m) = get_map(o.v, &["data"]) {
            for (k, v) in m {
                keys.push(k);
                let decoded = v
                    .as_str()
                    .and_then(decode_secret_data)
                    .map(|b| String::from_utf8_lossy(&b).into_owned());
                if v.is_null() || decoded.is_some_and(|d| is_placeholder(&d)) {
                    placeholders.push(k);
                }
            }
        }
        // Key names only: a finding must never carry a Secret's value.
        if !placeholders.is_empty() {
            out.push((
                "MG013",
                format!(
                    "{} key(s) hold a placeholder or empty value: {}",
                    placeholders.len(),
                    placeholders.join(", ")
                ),
            ));
        }
        if !keys.is_empty() {
            out.push((
                "MG014",
                format!(
                    "the manifest carries values for {} key(s): {}",
                    keys.len(),
                    keys.join(", ")
                ),
            ));
        }
    }

    /// The Application whose deletion would cascade to `o`, when `o` lacks `Delete=false`.
    fn unguarded_against_app_delete(&self, o: &Obj<'a>) -> Option<&Obj<'a>> {
        let app = self.finalizing_app()?;
        (!comma_list_has(
            o.annotation("argocd.argoproj.io/sync-options"),
            "Delete=false",
        ))
        .then_some(app)
    }

    fn check_pvc(&self, o: &Obj<'a>, out: &mut Vec<(&'static str, String)>) {
        if let Some(app) = self.unguarded_against_app_delete(o) {
            out.push((
                "MG024",
                format!("Application {} has the resources finalizer and this claim lacks the sync option Delete=false: deleting the Application deletes the volume's data", app.name),
            ));
        }
        let class = get_str(o.v, &["spec", "storageClassName"]).filter(|c| !c.is_empty());
        if let Some(c) = class {
            match self.find("StorageClass", "", c) {
                None => out.push(("MG028", format!("storageClassName {c} is not in the set"))),
                Some(sc) => {
                    let rwx = get_arr(o.v, &["spec", "accessModes"])
                        .iter()
                        .any(|m| m.as_str() == Some("ReadWriteMany"));
                    if rwx && get_str(sc.v, &["provisioner"]) == Some("driver.longhorn.io") {
                        out.push((
                            "MG031",
                            format!("ReadWriteMany on Longhorn class {c} is served over NFSv4 and needs an NFS client on every node"),
                        ));
                    }
                }
            }
        }
    }

    fn check_service(&self, o: &Obj<'a>, out: &mut Vec<(&'static str, String)>) {
        if get_str(o.v, &["spec", "type"]) == Some("ExternalName") {
            return;
        }
        let Some(sel) = get_map(o.v, &["spec", "selector"]).filter(|s| !s.is_empty()) else {
            return;
        };
        let workloads: Vec<&Obj<'a>> = self
            .objs
            .iter()
            .filter(|w| w.pod().is_some() && same_ns(w.ns, o.ns))
            .collect();
        if workloads.is_empty() {
            return; // nothing to compare with: the workloads are linted elsewhere
        }
        let selected: Vec<&&Obj<'a>> = workloads
            .iter()
            .filter(|w| w.pod().is_some_and(|(labels, _)| map_selects(sel, labels)))
            .collect();
        let show: Vec<String> = sel
            .iter()
            .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or("?")))
            .collect();
        if selected.is_empty() {
            out.push((
                "MG025",
                format!(
                    "selector {} matches the pod labels of no workload in the set",
                    show.join(",")
                ),
            ));
            return;
        }
        for p in get_arr(o.v, &["spec", "ports"]) {
            let Some(target) = get_str(p, &["targetPort"]) else {
                continue;
            };
            if target.parse::<u16>().is_ok() {
                continue;
            }
            for w in &selected {
                let Some((_, spec)) = w.pod() else { continue };
                let named = containers(spec, false).any(|c| {
                    get_arr(c, &["ports"])
                        .iter()
                        .any(|cp| get_str(cp, &["name"]) == Some(target))
                });
                if !named {
                    out.push((
                        "MG026",
                        format!(
                            "targetPort {target:?} is not a named container port of {}",
                            w.id()
                        ),
                    ));
                }
            }
        }
    }

    fn check_hpa(&self, o: &Obj<'a>, out: &mut Vec<(&'static str, String)>) {
        let kind = get_str(o.v, &["spec", "scaleTargetRef", "kind"]).unwrap_or("");
        let Some(name) = get_str(o.v, &["spec", "scaleTargetRef", "name"]) else {
            return;
        };
        match self.find(kind, o.ns, name) {
            None => out.push((
                "MG028",
                format!("scaleTargetRef {kind}/{name} is not in the set"),
            )),
            Some(target) => {
                let claims = self.single_writer_claims(target);
                if !claims.is_empty() && target.is("Deployment") {
                    out.push((
                        "MG004",
                        format!(
                            "scales {} which mounts single-writer claim(s) {}",
                            target.id(),
                            claims.join(", ")
                        ),
                    ));
                }
            }
        }
    }

    fn replicas_fought_by_argocd_exempt(&self) -> bool {
        self.objs.iter().any(|a| {
            a.is("Application")
                && get_arr(a.v, &["spec", "syncPolicy", "syncOptions"])
                    .iter()
                    .any(|s| s.as_str() == Some("RespectIgnoreDifferences=true"))
                && get_arr(a.v, &["spec", "ignoreDifferences"])
                    .iter()
                    .any(|d| {
                        get_str(d, &["kind"]) == Some("Deployment")
                            && (get_arr(d, &["jsonPointers"])
                                .iter()
                                .any(|p| p.as_str() == Some("/spec/replicas"))
                                || get_arr(d, &["jqPathExpressions"])
                                    .iter()
                                    .any(|p| p.as_str() == Some(".spec.replicas")))
                    })
        })
    }

    fn check_workload(&self, o: &Obj<'a>, out: &mut Vec<(&'static str, String)>) {
        let Some((labels, spec)) = o.pod() else {
            return;
        };
        let replicas = get(o.v, &["spec", "replicas"]).and_then(as_int);
        let hpas = self.hpas_for(o);

        // MG003: single writer.
        if o.is("Deployment") {
            let claims = self.single_writer_claims(o);
            if !claims.is_empty() {
                let claims = claims.join(", ");
                if let Some(r) = replicas.filter(|r| *r > 1) {
                    out.push((
                        "MG003",
                        format!("runs {r} replicas but mounts single-writer claim(s) {claims}"),
                    ));
                }
                let strategy = get_str(o.v, &["spec", "strategy", "type"]);
                if strategy != Some("Recreate") {
                    let how = match strategy {
                        Some(s) => format!("strategy {s}"),
                        None => "no strategy (the default is RollingUpdate)".to_string(),
                    };
                    out.push((
                        "MG003",
                        format!("has {how} but mounts single-writer claim(s) {claims}: a rollout starts a second pod on the same volume"),
                    ));
                }
            }
        }

        // MG023
        if let Some(h) = hpas.first()
            && get(o.v, &["spec", "replicas"]).is_some()
            && !self.replicas_fought_by_argocd_exempt()
        {
            out.push((
                "MG023",
                format!(
                    "sets spec.replicas while HorizontalPodAutoscaler {} owns the count",
                    h.name
                ),
            ));
        }

        // MG027
        if matches!(o.kind, "Deployment" | "StatefulSet" | "ReplicaSet") {
            let min_hpa = hpas
                .iter()
                .map(|h| {
                    get(h.v, &["spec", "minReplicas"])
                        .and_then(as_int)
                        .unwrap_or(1)
                })
                .max();
            let pods = min_hpa.or(replicas).unwrap_or(1);
            if pods > 1 {
                let covered = self.objs.iter().any(|p| {
                    p.is("PodDisruptionBudget")
                        && same_ns(p.ns, o.ns)
                        && get(p.v, &["spec", "selector"])
                            .is_some_and(|s| label_selector_matches(s, labels))
                });
                if !covered {
                    out.push((
                        "MG027",
                        format!(
                            "runs at least {pods} pods and no PodDisruptionBudget selects them"
                        ),
                    ));
                }
            }
        }

        // MG030
        if matches!(
            o.kind,
            "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet"
        ) && let Some(sel) = get(o.v, &["spec", "selector"])
            && !label_selector_matches(sel, labels)
        {
            out.push((
                "MG030",
                "spec.selector does not match spec.template.metadata.labels".to_string(),
            ));
        }

        // MG020
        let pod_automount = get_bool(spec, &["automountServiceAccountToken"]);
        let sa_name = get_str(spec, &["serviceAccountName"])
            .or_else(|| get_str(spec, &["serviceAccount"]))
            .unwrap_or("default");
        if pod_automount.is_none() {
            let sa_off = self
                .find("ServiceAccount", o.ns, sa_name)
                .is_some_and(|sa| get_bool(sa.v, &["automountServiceAccountToken"]) == Some(false));
            if !sa_off {
                out.push((
                    "MG020",
                    format!("neither the pod spec nor ServiceAccount {sa_name} sets automountServiceAccountToken: false"),
                ));
            }
        }

        // MG028: references.
        let mut missing: Vec<String> = Vec::new();
        if sa_name != "default" && !self.has("ServiceAccount", o.ns, sa_name) {
            missing.push(format!("ServiceAccount {sa_name}"));
        }
        for vol in get_arr(spec, &["volumes"]) {
            if let Some(c) = get_str(vol, &["persistentVolumeClaim", "claimName"])
                && !self.has("PersistentVolumeClaim", o.ns, c)
            {
                missing.push(format!("PersistentVolumeClaim {c}"));
            }
            if let Some(c) = get_str(vol, &["configMap", "name"])
                && get_bool(vol, &["configMap", "optional"]) != Some(true)
                && !self.has("ConfigMap", o.ns, c)
            {
                missing.push(format!("ConfigMap {c}"));
            }
            if let Some(c) = get_str(vol, &["secret", "secretName"])
                && get_bool(vol, &["secret", "optional"]) != Some(true)
                && !self.has("Secret", o.ns, c)
            {
                missing.push(format!("Secret {c}"));
            }
        }
        let pod_sc = spec.get("securityContext");
        for c in containers(spec, true) {
            for ef in get_arr(c, &["envFrom"]) {
                for (field, kind) in [("configMapRef", "ConfigMap"), ("secretRef", "Secret")] {
                    if let Some(n) = get_str(ef, &[field, "name"])
                        && get_bool(ef, &[field, "optional"]) != Some(true)
                        && !self.has(kind, o.ns, n)
                    {
                        missing.push(format!("{kind} {n}"));
                    }
                }
            }
            for e in get_arr(c, &["env"]) {
                if let Some(p) = get_str(e, &["value"]).and_then(relative_sqlite_path) {
                    out.push((
                        "MG005",
                        format!(
                            "container {} env {} names the relative path {p:?}",
                            cname(c),
                            get_str(e, &["name"]).unwrap_or("?")
                        ),
                    ));
                }
                for (field, kind) in [("configMapKeyRef", "ConfigMap"), ("secretKeyRef", "Secret")]
                {
                    let Some(r) = get(e, &["valueFrom", field]) else {
                        continue;
                    };
                    let Some(n) = get_str(r, &["name"]) else {
                        continue;
                    };
                    if get_bool(r, &["optional"]) == Some(true) {
                        continue;
                    }
                    if !self.has(kind, o.ns, n) {
                        missing.push(format!("{kind} {n}"));
                        continue;
                    }
                    if kind == "ConfigMap"
                        && let Some(cm) = self.find(kind, o.ns, n)
                    {
                        let key = get_str(r, &["key"]).unwrap_or("");
                        let present = get_map(cm.v, &["data"]).is_some_and(|d| d.contains_key(key))
                            || get_map(cm.v, &["binaryData"]).is_some_and(|d| d.contains_key(key));
                        if !present {
                            out.push((
                                    "MG029",
                                    format!("container {} reads key {key:?} from ConfigMap {n}, which does not have it", cname(c)),
                                ));
                        }
                    }
                }
            }
            self.check_container(c, pod_sc, out);
        }
        for c in containers(spec, false) {
            let mut absent = Vec::new();
            if c.get("readinessProbe").is_none() {
                absent.push("readinessProbe");
            }
            if c.get("livenessProbe").is_none() {
                absent.push("livenessProbe");
            }
            if !absent.is_empty() && !matches!(o.kind, "Job" | "CronJob") {
                out.push((
                    "MG016",
                    format!("container {} has no {}", cname(c), absent.join(" or ")),
                ));
            }
        }
        missing.dedup();
        let mut uniq: Vec<String> = Vec::new();
        for m in missing {
            if !uniq.contains(&m) {
                uniq.push(m);
            }
        }
        for m in uniq {
            out.push(("MG028", format!("refers to {m}, which is not in the set")));
        }
    }

    fn check_container(
        &self,
        c: &Value,
        pod_sc: Option<&Value>,
        out: &mut Vec<(&'static str, String)>,
    ) {
        let name = cname(c);
        // MG034
        let mut mounts = std::collections::BTreeMap::new();
        for m in c
            .get("volumeMounts")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(path) = get_str(m, &["mountPath"]) {
                let dir = mount_point(path);
                if let Some(first) = mounts.insert(dir.clone(), path) {
                    out.push((
                        "MG034",
                        format!("container {name} mounts two volumes at {dir} (as {first:?} and {path:?})"),
                    ));
                }
            }
        }
        // MG015
        let mut absent = Vec::new();
        for (path, label) in [
            (["requests", "cpu"], "requests.cpu"),
            (["requests", "memory"], "requests.memory"),
            (["limits", "memory"], "limits.memory"),
        ] {
            if c.get("resources").and_then(|r| get(r, &path)).is_none() {
                absent.push(label);
            }
        }
        if !absent.is_empty() {
            out.push((
                "MG015",
                format!(
                    "container {name} has no resources.{}",
                    absent.join(", resources.")
                ),
            ));
        }
        // MG021 / MG022
        if let Some(image) = get_str(c, &["image"]) {
            match image_tag(image) {
                ImageTag::None => out.push((
                    "MG021",
                    format!("container {name} image {image} has no tag, so it means :latest"),
                )),
                ImageTag::Tag("latest") => out.push((
                    "MG021",
                    format!("container {name} image {image} uses the moving tag latest"),
                )),
                ImageTag::Tag(_) | ImageTag::Digest => {
                    if get_str(c, &["imagePullPolicy"]) == Some("Always") {
                        out.push((
                            "MG022",
                            format!(
                                "container {name} pulls the versioned image {image} on every start"
                            ),
                        ));
                    }
                }
            }
        }
        // Security context: the container's value wins over the pod's.
        let csc = c.get("securityContext");
        let eff = |key: &str| {
            csc.and_then(|s| s.get(key))
                .or_else(|| pod_sc.and_then(|s| s.get(key)))
        };
        let non_root = eff("runAsNonRoot").and_then(Value::as_bool) == Some(true);
        let uid0 = eff("runAsUser").and_then(as_int) == Some(0);
        if uid0 {
            out.push((
                "MG017",
                format!("container {name} runs with runAsUser: 0 (root)"),
            ));
        } else if !non_root {
            out.push((
                "MG017",
                format!("container {name} does not set runAsNonRoot: true (on itself or the pod)"),
            ));
        }
        let mut weak = Vec::new();
        if csc
            .and_then(|s| s.get("privileged"))
            .and_then(Value::as_bool)
            == Some(true)
        {
            weak.push("runs privileged");
        }
        if csc
            .and_then(|s| s.get("allowPrivilegeEscalation"))
            .and_then(Value::as_bool)
            != Some(false)
        {
            weak.push("does not set allowPrivilegeEscalation: false");
        }
        let drops_all = csc
            .map(|s| get_arr(s, &["capabilities", "drop"]))
            .unwrap_or(&[])
            .iter()
            .any(|d| d.as_str().is_some_and(|d| d.eq_ignore_ascii_case("ALL")));
        if !drops_all {
            weak.push("does not drop ALL capabilities");
        }
        let seccomp = eff("seccompProfile").and_then(|s| get_str(s, &["type"]));
        if !matches!(seccomp, Some("RuntimeDefault" | "Localhost")) {
            weak.push("has no RuntimeDefault seccomp profile");
        }
        if !weak.is_empty() {
            out.push(("MG018", format!("container {name} {}", weak.join(", "))));
        }
        if csc
            .and_then(|s| s.get("readOnlyRootFilesystem"))
            .and_then(Value::as_bool)
            != Some(true)
        {
            out.push((
                "MG019",
                format!("container {name} does not set readOnlyRootFilesystem: true"),
            ));
        }
    }
}

/// Lints `(source, object)` pairs: each object alone and the relations between them.
///
/// Findings come sorted by source, then object, then rule id.
pub fn lint(objects: &[(String, Value)]) -> Vec<Finding> {
    let objs = objects
        .iter()
        .filter(|(_, v)| v.is_object())
        .map(|(source, v)| Obj {
            source,
            v,
            kind: get_str(v, &["kind"]).unwrap_or(""),
            ns: get_str(v, &["metadata", "namespace"]).unwrap_or(""),
            name: get_str(v, &["metadata", "name"]).unwrap_or(""),
        })
        .collect();
    let mut linter = Linter {
        objs,
        findings: Vec::new(),
    };
    linter.run();
    let mut findings = linter.findings;
    findings.sort_by(|a, b| {
        (a.source.as_str(), a.object.as_str(), a.rule.id).cmp(&(
            b.source.as_str(),
            b.object.as_str(),
            b.rule.id,
        ))
    });
    findings
}

/// Reads every `*.yaml`/`*.yml` under `dir` (recursively, sorted by path, skipping hidden
/// directories and `kustomization.yaml`), one entry per non-empty document, with the path
/// relative to `dir` (using '/') as the source.
pub fn load_dir(dir: &Path) -> anyhow::Result<Vec<(String, Value)>> {
    fn walk(dir: &Path, files: &mut Vec<std::path::PathBuf>) -> anyhow::Result<()> {
        let entries = std::fs::read_dir(dir)
            .with_context(|| format!("cannot read directory {}", dir.display()))?;
        for entry in entries {
            let entry =
                entry.with_context(|| format!("cannot read directory {}", dir.display()))?;
            let path = entry.path();
            let name = entry.file_name();
            let name = name.to_string_lossy();
            let ft = entry
                .file_type()
                .with_context(|| format!("cannot read {}", path.display()))?;
            if ft.is_dir() {
                if !name.starts_with('.') {
                    walk(&path, files)?;
                }
            } else if (name.ends_with(".yaml") || name.ends_with(".yml"))
                && name != "kustomization.yaml"
                && name != "kustomization.yml"
            {
                files.push(path);
            }
        }
        Ok(())
    }
    let mut files = Vec::new();
    walk(dir, &mut files)?;
    files.sort();
    let mut texts = Vec::new();
    for path in files {
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let rel = path
            .strip_prefix(dir)
            .unwrap_or(&path)
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/");
        texts.push((rel, text));
    }
    load_texts(&texts).with_context(|| format!("cannot load the manifests in {}", dir.display()))
}

/// Parses `(relative path, YAML text)` pairs, in the order given, as [`load_dir`] reads a
/// tree's files: one entry per non-empty document, with the path as its source. This is
/// where untrusted YAML enters lint and import (the fuzz target feeds it directly).
pub fn load_texts(files: &[(String, String)]) -> anyhow::Result<Vec<(String, Value)>> {
    let mut out = Vec::new();
    for (rel, text) in files {
        let docs: Vec<Value> = serde_saphyr::from_multiple(text)
            .with_context(|| format!("cannot parse {rel} as YAML"))?;
        out.extend(
            docs.into_iter()
                .filter(|d| !d.is_null())
                .map(|d| (rel.clone(), d)),
        );
    }
    Ok(out)
}

/// Human-readable findings, one block each, and a summary line.
pub fn report(findings: &[Finding]) -> String {
    let mut s = String::new();
    for f in findings {
        s.push_str(&format!(
            "{}[{}] {} ({}): {}\n  why: {}\n  fix: {}\n  see: {}\n\n",
            f.rule.severity,
            f.rule.id,
            f.object,
            f.source,
            f.message,
            f.rule.explanation,
            f.rule.fix,
            f.rule.link
        ));
    }
    let errors = findings
        .iter()
        .filter(|f| f.rule.severity == Severity::Error)
        .count();
    let warnings = findings.len() - errors;
    let plural = |n: usize, word: &str| {
        if n == 1 {
            format!("{n} {word}")
        } else {
            format!("{n} {word}s")
        }
    };
    s.push_str(&format!(
        "{}, {}\n",
        plural(errors, "error"),
        plural(warnings, "warning")
    ));
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(g: &str, p: &str) -> bool {
        glob_matches(g, p).unwrap()
    }

    #[test]
    fn globs_match_stars_questions_and_alternatives() {
        assert!(m("argocd-*.yaml", "argocd-application.yaml"));
        assert!(m("*.yaml", "a.yaml") && !m("*.yaml", "dir/a.yaml"));
        assert!(m("*/*.yaml", "dir/a.yaml"));
        assert!(m("a?c", "abc") && !m("a?c", "a/c") && !m("a?c", "ac"));
        assert!(m(
            "{argocd-application.yaml,kustomization.yaml}",
            "kustomization.yaml"
        ));
        assert!(!m("{a,b}.yaml", "c.yaml"));
        assert!(m("{a,{b,c}}.yaml", "c.yaml") && !m("{a,{b,c}}.yaml", "d.yaml"));
        assert!(m("{,x}y", "y") && m("{,x}y", "xy"));
        assert!(m("", "") && !m("", "a"));
    }

    #[test]
    fn braces_without_a_partner_are_literal() {
        assert!(m("{a", "{a") && m("a}", "a}") && m("a,b", "a,b"));
        assert!(m("{a{b,c}", "{ab") && m("{{a,b}", "{b"));
    }

    #[test]
    fn many_alternatives_and_unpaired_braces_match_in_polynomial_time() {
        let start = std::time::Instant::now();
        let g = "{a,b}".repeat(26);
        assert!(!m(&g, "argocd-application.yaml"));
        assert!(m(&g, &"ab".repeat(13)));
        assert!(!m(&"{".repeat(100_000), "argocd-application.yaml"));
        assert!(m(&"*{a,*}".repeat(5_000), "argocd-application.yaml"));
        assert!(start.elapsed() < std::time::Duration::from_secs(5));
    }

    #[test]
    fn deeply_nested_alternatives_are_an_error_not_a_stack_overflow() {
        let deep = format!("{}x{}", "{".repeat(100_000), "}".repeat(100_000));
        assert!(glob_matches(&deep, "x").is_err());
        let ok = format!(
            "{}x{}",
            "{".repeat(MAX_GLOB_NESTING),
            "}".repeat(MAX_GLOB_NESTING)
        );
        assert!(m(&ok, "x"));
    }
}
