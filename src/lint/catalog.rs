//! The rule catalogue: every rule's typed id, stable code, severity and documentation.
//!
//! [`Rule`] is the id the checks report; [`CATALOG`] documents each one. A compile-time
//! check makes the catalogue hold every rule exactly once, in code order, so looking a rule
//! up can never fail.

use std::fmt;

use super::Severity;

/// Declares [`Rule`] from one list of `Variant = "MGnnn"` pairs, so the enum, [`Rule::ALL`]
/// and [`Rule::code`] cannot disagree.
macro_rules! rule_ids {
    ($($(#[$doc:meta])* $variant:ident = $code:literal,)+) => {
        /// A lint rule's identity. Findings carry it; [`Rule::code`] is the stable `MGnnn`
        /// code users see, [`Rule::doc`] its documentation.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Rule {
            $($(#[$doc])* $variant,)+
        }

        impl Rule {
            /// How many rules there are.
            pub const COUNT: usize = 0 $(+ rule_ids!(@one $variant))+;
            /// Every rule, in code order.
            pub const ALL: [Rule; Rule::COUNT] = [$(Rule::$variant,)+];

            /// The stable code, `MG001`...
            pub const fn code(self) -> &'static str {
                match self {
                    $(Rule::$variant => $code,)+
                }
            }
        }
    };
    (@one $variant:ident) => {
        1
    };
}

rule_ids! {
    /// cluster-scoped object has a namespace.
    ClusterScopedNamespace = "MG001",
    /// ingress-nginx rewrite-target without a capture group on an Ingress with several paths.
    RewriteTargetWithoutCapture = "MG002",
    /// single-writer (SQLite / ReadWriteOnce) Deployment runs more than one pod or rolls out with RollingUpdate.
    SingleWriterReplicas = "MG003",
    /// HorizontalPodAutoscaler targets a Deployment that mounts a ReadWriteOnce volume or SQLite database.
    AutoscaledSingleWriter = "MG004",
    /// SQLite URL with a relative path (three slashes).
    RelativeSqlitePath = "MG005",
    /// ArgoCD directory Application does not recurse into subdirectories.
    ArgoDirectoryNoRecurse = "MG006",
    /// ArgoCD Application is stored inside the path it syncs.
    ArgoAppSyncsItself = "MG007",
    /// NetworkPolicy selects a namespace by a `name` label.
    NamespaceSelectedByName = "MG008",
    /// NetworkPolicy allows DNS only to pods of its own namespace.
    DnsEgressOwnNamespace = "MG009",
    /// NetworkPolicy egress to internet ports allows only in-cluster destinations.
    InternetEgressInCluster = "MG010",
    /// Ingress does not set spec.ingressClassName.
    IngressWithoutClass = "MG011",
    /// Role is bound by no RoleBinding.
    UnboundRole = "MG012",
    /// Secret holds placeholder or empty values.
    PlaceholderSecret = "MG013",
    /// Secret values are stored in the manifest.
    SecretValuesInManifest = "MG014",
    /// container without CPU/memory requests or memory limit.
    MissingResources = "MG015",
    /// container without liveness or readiness probe.
    MissingProbes = "MG016",
    /// container may run as root.
    MayRunAsRoot = "MG017",
    /// container keeps privilege escalation, Linux capabilities or an unconfined seccomp profile.
    PrivilegeEscalation = "MG018",
    /// container root filesystem is writable.
    WritableRootFilesystem = "MG019",
    /// pod mounts a Kubernetes API token it does not ask for.
    AutomountedToken = "MG020",
    /// image uses the latest tag or no tag.
    LatestImage = "MG021",
    /// imagePullPolicy Always on a versioned image.
    AlwaysPullVersioned = "MG022",
    /// Deployment scaled by an HPA also sets spec.replicas.
    ReplicasWithHpa = "MG023",
    /// data-holding object is deleted with its ArgoCD Application.
    DeletedWithApplication = "MG024",
    /// Service selects no workload in the set.
    ServiceSelectsNothing = "MG025",
    /// Service targetPort names a port the selected containers do not have.
    ServiceTargetPortUnnamed = "MG026",
    /// replicated workload without a PodDisruptionBudget.
    MissingPodDisruptionBudget = "MG027",
    /// reference to an object that is not in the set.
    MissingReference = "MG028",
    /// configMapKeyRef names a key the ConfigMap does not have.
    MissingConfigMapKey = "MG029",
    /// workload selector does not match its pod template labels.
    SelectorMismatch = "MG030",
    /// ReadWriteMany claim on a Longhorn StorageClass.
    LonghornReadWriteMany = "MG031",
    /// ingress-nginx proxy-connect-timeout above 75 seconds.
    ConnectTimeoutAbove75 = "MG032",
    /// Longhorn RecurringJob cron that Longhorn's parser refuses.
    RecurringJobCron = "MG033",
    /// container mounts two volumes at one path.
    DuplicateMountPath = "MG034",
    /// ServiceMonitor selects no Service in the set.
    ServiceMonitorSelectsNoService = "MG035",
    /// ServiceMonitor endpoint port is not a named port of the Services it selects.
    ServiceMonitorPortUnnamed = "MG036",
    /// Longhorn RecurringJob group that no volume claim joins.
    BackupGroupWithoutVolumes = "MG037",
    /// volume claim joins a Longhorn backup group that no RecurringJob in the set runs.
    VolumeInGroupWithoutJob = "MG038",
    /// Secret declared in the set is also written by an ExternalSecret or SealedSecret.
    SecretWithTwoOwners = "MG039",
    /// HTTPRoute says a request body limit is not carried over.
    RouteBodySizeNotCarriedOver = "MG040",
    /// HTTPRoute sends to a Service or port that is not in the set.
    RouteToMissingBackend = "MG041",
    /// HTTPRoute host that no listener of its Gateway serves.
    RouteHostNotOnListener = "MG042",
    /// Gateway listener without TLS for a host it serves over HTTPS.
    ListenerWithoutTls = "MG043",
    /// HTTPRoute that its Gateway's listener does not accept.
    RouteNotAllowed = "MG044",
    /// Ingress is written for ingress-nginx, retired since March 2026.
    RetiredIngressNginx = "MG045",
    /// CloudNativePG Cluster enables superuser access.
    CnpgSuperuserAccess = "MG046",
    /// CloudNativePG Cluster of one instance keeps its PodDisruptionBudgets.
    CnpgSingleInstanceBudget = "MG047",
    /// container gets a VITE_ environment variable, which a built Vite bundle never reads.
    ViteVariableAtRunTime = "MG048",
    /// Namespace whose pods no Pod Security Standard is enforced on.
    NoPodSecurityEnforced = "MG049",
    /// workload reads a Secret whose maker ArgoCD syncs in the same or a later wave.
    SecretMadeInSameWave = "MG050",
    /// Deployment of several pods whose serving containers have no preStop delay.
    NoShutdownDelay = "MG051",
}

impl Rule {
    /// What the rule checks, why it matters and how to fix it.
    pub fn doc(self) -> &'static RuleDoc {
        &CATALOG[self as usize]
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// One lint rule's documentation: what it checks, why it matters and how to fix it.
#[derive(Debug)]
pub struct RuleDoc {
    /// The rule (displays as its code, `MG001`...).
    pub id: Rule,
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

/// Every rule's documentation, in code order.
pub fn rules() -> &'static [RuleDoc] {
    &CATALOG
}

// The catalogue holds each rule at its own index, so `Rule::doc` never misses.
const _: () = {
    let mut i = 0;
    while i < Rule::COUNT {
        assert!(CATALOG[i].id as usize == i && Rule::ALL[i] as usize == i);
        i += 1;
    }
};

const LINK_NS_SCOPE: &str = "https://kubernetes.io/docs/concepts/overview/working-with-objects/namespaces/#not-all-objects-are-in-a-namespace";
const LINK_NETPOL: &str =
    "https://kubernetes.io/docs/concepts/services-networking/network-policies/";
const LINK_PSS: &str =
    "https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted";
const LINK_IMAGES: &str =
    "https://kubernetes.io/docs/concepts/containers/images/#image-pull-policy";
const LINK_SECRETS: &str = "https://kubernetes.io/docs/concepts/security/secrets-good-practices/";
const LINK_SERVICE: &str = "https://kubernetes.io/docs/concepts/services-networking/service/";

static CATALOG: [RuleDoc; Rule::COUNT] = [
    RuleDoc {
        id: Rule::ClusterScopedNamespace,
        severity: Severity::Warning,
        title: "cluster-scoped object has a namespace",
        explanation: "StorageClass, Namespace, PersistentVolume, ClusterRole, ClusterRoleBinding, IngressClass and PriorityClass objects are cluster-scoped: the API server ignores metadata.namespace on them. The field misleads readers into thinking the object belongs to (and is removed with) the namespace, while it is shared by the whole cluster, and tools that compare Git with the cluster may report a difference that can never be synced.",
        link: LINK_NS_SCOPE,
        fix: "remove metadata.namespace from the object",
    },
    RuleDoc {
        id: Rule::RewriteTargetWithoutCapture,
        severity: Severity::Error,
        title: "ingress-nginx rewrite-target without a capture group on an Ingress with several paths",
        explanation: "In ingress-nginx the rewrite-target annotation applies to every path of the Ingress. Without a capture group ($1, $2...) in the target, every matched request is rewritten to the same fixed path: /api/x, /docs and the frontend's /assets/app.js all reach their pods as \"/\", so the API answers the wrong route and static assets come back as index.html. Using rewrite-target also turns on regular-expression location matching for every path of that host.",
        link: "https://kubernetes.github.io/ingress-nginx/examples/rewrite/",
        fix: "drop the annotation when the application serves its routes under their own paths; to strip a prefix, put that path in its own Ingress with a capture group, e.g. path /api(/|$)(.*) and rewrite-target /$2 with pathType ImplementationSpecific",
    },
    RuleDoc {
        id: Rule::SingleWriterReplicas,
        severity: Severity::Error,
        title: "single-writer (SQLite / ReadWriteOnce) Deployment runs more than one pod or rolls out with RollingUpdate",
        explanation: "A ReadWriteOnce volume attaches to one node, and SQLite allows one writer. A second replica on another node fails with a Multi-Attach error; on the same node it becomes a second writer of the same database file. The default RollingUpdate strategy starts the new pod before stopping the old one, so a rollout either stalls on the volume or briefly runs two writers. Such a Deployment needs exactly one replica and the Recreate strategy.",
        link: "https://kubernetes.io/docs/concepts/storage/persistent-volumes/#access-modes",
        fix: "set spec.replicas: 1 and spec.strategy.type: Recreate; scale out only after moving to a client-server database",
    },
    RuleDoc {
        id: Rule::AutoscaledSingleWriter,
        severity: Severity::Error,
        title: "HorizontalPodAutoscaler targets a Deployment that mounts a ReadWriteOnce volume or SQLite database",
        explanation: "An autoscaler adds pods to the Deployment when load rises. Every added pod needs the same ReadWriteOnce volume (Multi-Attach error on another node) and would be another writer of the single SQLite file, so the autoscaler produces failing pods or database corruption exactly when the application is busiest.",
        link: "https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/",
        fix: "remove the HorizontalPodAutoscaler for this Deployment and keep it at one replica",
    },
    RuleDoc {
        id: Rule::RelativeSqlitePath,
        severity: Severity::Error,
        title: "SQLite URL with a relative path (three slashes)",
        explanation: "SQLAlchemy reads the file name after the third slash, so sqlite:///app/data/db.sqlite names the relative path app/data/db.sqlite, resolved against the process's working directory (with WORKDIR /app: /app/app/data/db.sqlite). The database then lives outside the mounted volume, in the container's writable layer, and is lost on every restart. An absolute path needs four slashes.",
        link: "https://docs.sqlalchemy.org/en/20/dialects/sqlite.html#connect-strings",
        fix: "use four slashes for an absolute path on the volume, e.g. sqlite+aiosqlite:////app/data/magnetiq.db",
    },
    RuleDoc {
        id: Rule::ArgoDirectoryNoRecurse,
        severity: Severity::Error,
        title: "ArgoCD directory Application does not recurse into subdirectories",
        explanation: "By default an ArgoCD directory source includes only the files at the root of source.path. The manifests in subdirectories of this tree (such as backend/ and frontend/) are silently left out of the sync: the Application reports Synced while the workloads were never deployed.",
        link: "https://argo-cd.readthedocs.io/en/stable/user-guide/directory/",
        fix: "set spec.source.directory.recurse: true",
    },
    RuleDoc {
        id: Rule::ArgoAppSyncsItself,
        severity: Severity::Error,
        title: "ArgoCD Application is stored inside the path it syncs",
        explanation: "An Application whose own manifest lies inside its source path manages itself. With automated prune and the resources finalizer, a rename or a bad commit can make it delete itself, and the deletion cascades to every resource it deployed (argoproj/argo-cd#8846). The Application should be applied once by hand or by a parent app-of-apps, and left out of its own sync.",
        link: "https://argo-cd.readthedocs.io/en/stable/operator-manual/cluster-bootstrapping/",
        fix: "set spec.source.directory.exclude to the Application's file name (e.g. 'argocd-application.yaml', or '{argocd-application.yaml,kustomization.yaml}'), or move the file outside source.path",
    },
    RuleDoc {
        id: Rule::NamespaceSelectedByName,
        severity: Severity::Error,
        title: "NetworkPolicy selects a namespace by a `name` label",
        explanation: "Namespaces carry no `name` label unless someone adds it; Helm charts and plain manifests (ingress-nginx's included) do not. A namespaceSelector on `name` therefore matches nothing and the traffic it was meant to allow is dropped. The control plane sets the immutable label kubernetes.io/metadata.name on every namespace (GA since Kubernetes 1.22), which is the reliable way to target a namespace by its name.",
        link: "https://kubernetes.io/docs/concepts/services-networking/network-policies/#targeting-a-namespace-by-its-name",
        fix: "select the namespace with matchLabels: {kubernetes.io/metadata.name: <namespace>}",
    },
    RuleDoc {
        id: Rule::DnsEgressOwnNamespace,
        severity: Severity::Error,
        title: "NetworkPolicy allows DNS only to pods of its own namespace",
        explanation: "A NetworkPolicy peer with only a podSelector selects pods in the policy's own namespace. Cluster DNS (CoreDNS / kube-dns) runs in kube-system, so an egress rule for port 53 that lists only podSelector peers blocks every DNS lookup of the selected pods: they cannot resolve Services or external hosts.",
        link: LINK_NETPOL,
        fix: "allow UDP and TCP 53 to the DNS namespace: to: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}, podSelector: {matchLabels: {k8s-app: kube-dns}}}]",
    },
    RuleDoc {
        id: Rule::InternetEgressInCluster,
        severity: Severity::Warning,
        title: "NetworkPolicy egress to internet ports allows only in-cluster destinations",
        explanation: "`namespaceSelector: {}` selects every pod in every namespace, and nothing outside the cluster. Addresses outside the cluster can only be allowed with an ipBlock peer. An egress rule for HTTPS or SMTP ports whose only peers are namespace or pod selectors therefore blocks the external APIs and mail relays it appears to allow.",
        link: LINK_NETPOL,
        fix: "allow external destinations with ipBlock peers, e.g. {ipBlock: {cidr: 0.0.0.0/0}} and {ipBlock: {cidr: ::/0}}, optionally with except: [<pod and service CIDRs>]",
    },
    RuleDoc {
        id: Rule::IngressWithoutClass,
        severity: Severity::Warning,
        title: "Ingress does not set spec.ingressClassName",
        explanation: "Without spec.ingressClassName an Ingress is served only if the cluster has an IngressClass marked ingressclass.kubernetes.io/is-default-class, or a controller started with --watch-ingress-without-class; otherwise no controller picks it up and the site is unreachable. The kubernetes.io/ingress.class annotation still works with ingress-nginx but has been deprecated since Kubernetes 1.18.",
        link: "https://kubernetes.io/docs/concepts/services-networking/ingress/#default-ingress-class",
        fix: "set spec.ingressClassName (e.g. nginx) and remove the kubernetes.io/ingress.class annotation",
    },
    RuleDoc {
        id: Rule::UnboundRole,
        severity: Severity::Warning,
        title: "Role is bound by no RoleBinding",
        explanation: "A Role grants nothing by itself: permissions reach a user, group or ServiceAccount only through a RoleBinding that refers to the Role. A Role with no binding in the set is either dead configuration or relies on a binding created out of band, which GitOps cannot see.",
        link: "https://kubernetes.io/docs/reference/access-authn-authz/rbac/#rolebinding-and-clusterrolebinding",
        fix: "add a RoleBinding with roleRef {kind: Role, name: <role>} and the subjects that need it, or remove the Role",
    },
    RuleDoc {
        id: Rule::PlaceholderSecret,
        severity: Severity::Error,
        title: "Secret holds placeholder or empty values",
        explanation: "Values such as change-this, changeme, your-... or empty strings are placeholders. Applied as they are, the application starts with a guessable signing key or broken credentials; under GitOps the placeholders are re-applied on every sync, overwriting real values that were put into the cluster by hand.",
        link: LINK_SECRETS,
        fix: "declare the Secret without data (or leave it out of Git) and set real values in the cluster, e.g. with kubectl patch, SealedSecrets or External Secrets",
    },
    RuleDoc {
        id: Rule::SecretValuesInManifest,
        severity: Severity::Warning,
        title: "Secret values are stored in the manifest",
        explanation: "Secret data in a manifest is only base64-encoded, not encrypted: whoever can read the repository can read the values, and they stay in Git history. Under GitOps every sync also re-applies these values over any rotated value in the cluster.",
        link: LINK_SECRETS,
        fix: "commit the Secret without data and set the values in the cluster, or use SealedSecrets / External Secrets",
    },
    RuleDoc {
        id: Rule::MissingResources,
        severity: Severity::Warning,
        title: "container without CPU/memory requests or memory limit",
        explanation: "Without requests the scheduler places pods as if they needed nothing, so nodes get overcommitted and the pod is among the first evicted under pressure (BestEffort QoS). Without a memory limit one leaking container can exhaust the node's memory. An HPA on CPU utilisation also needs a CPU request to compute utilisation.",
        link: "https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/",
        fix: "set resources.requests.cpu, resources.requests.memory and resources.limits.memory",
    },
    RuleDoc {
        id: Rule::MissingProbes,
        severity: Severity::Warning,
        title: "container without liveness or readiness probe",
        explanation: "Without a readiness probe a pod receives traffic as soon as its process starts, before the application can answer, and keeps receiving it when it stops answering. Without a liveness probe a hung process is never restarted.",
        link: "https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/",
        fix: "add readinessProbe and livenessProbe (and a startupProbe for slow first starts) on the application's health endpoint",
    },
    RuleDoc {
        id: Rule::MayRunAsRoot,
        severity: Severity::Error,
        title: "container may run as root",
        explanation: "Unless runAsNonRoot is true (on the pod or the container), the container runs as whatever user the image declares, often root. A compromise of the application then gives root inside the container, one kernel bug away from the node. The Pod Security Standard \"restricted\" requires runAsNonRoot: true and forbids runAsUser: 0.",
        link: LINK_PSS,
        fix: "set securityContext.runAsNonRoot: true and a non-zero runAsUser/runAsGroup (and fsGroup so the volumes are writable)",
    },
    RuleDoc {
        id: Rule::PrivilegeEscalation,
        severity: Severity::Error,
        title: "container keeps privilege escalation, Linux capabilities or an unconfined seccomp profile",
        explanation: "The Pod Security Standard \"restricted\" requires allowPrivilegeEscalation: false (no setuid gains), capabilities.drop: [ALL] (the runtime otherwise grants a default set such as CHOWN, NET_RAW and SETUID), a seccompProfile of RuntimeDefault or Localhost (otherwise many runtimes run containers unconfined), and no privileged containers.",
        link: LINK_PSS,
        fix: "set securityContext.allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}, and seccompProfile: {type: RuntimeDefault} on the pod or container",
    },
    RuleDoc {
        id: Rule::WritableRootFilesystem,
        severity: Severity::Warning,
        title: "container root filesystem is writable",
        explanation: "With a writable root filesystem an attacker can drop and run tools or modify the application in the container, and data written outside volumes disappears silently on restart. readOnlyRootFilesystem: true turns both into visible errors; paths that must be writable (/tmp, caches) get an emptyDir.",
        link: "https://kubernetes.io/docs/tasks/configure-pod-container/security-context/",
        fix: "set securityContext.readOnlyRootFilesystem: true and mount an emptyDir on the paths the application writes to (e.g. /tmp)",
    },
    RuleDoc {
        id: Rule::AutomountedToken,
        severity: Severity::Error,
        title: "pod mounts a Kubernetes API token it does not ask for",
        explanation: "Unless automountServiceAccountToken is false on the pod or its ServiceAccount, every container gets a token for the Kubernetes API at /var/run/secrets/kubernetes.io/serviceaccount. An application that never calls the API gains nothing from it, and anyone who compromises the application can use it with whatever the ServiceAccount is allowed.",
        link: "https://kubernetes.io/docs/tasks/configure-pod-container/configure-service-account/#opt-out-of-api-credential-automounting",
        fix: "set automountServiceAccountToken: false on the pod spec or its ServiceAccount (set it to true on the pod only when the application uses the API)",
    },
    RuleDoc {
        id: Rule::LatestImage,
        severity: Severity::Error,
        title: "image uses the latest tag or no tag",
        explanation: "An image without a tag means :latest. The manifest then does not say which version runs: pods started at different times (a reschedule, a new replica) may run different builds, a rollback to an earlier commit changes nothing, and GitOps cannot tell that a new version should be deployed. Kubernetes also defaults imagePullPolicy to Always for :latest.",
        link: LINK_IMAGES,
        fix: "use an immutable version tag (e.g. :v2.0.0) or a digest (@sha256:...)",
    },
    RuleDoc {
        id: Rule::AlwaysPullVersioned,
        severity: Severity::Warning,
        title: "imagePullPolicy Always on a versioned image",
        explanation: "With imagePullPolicy: Always the kubelet contacts the registry for every container start, even when the versioned image is already on the node. A registry outage or expired pull credentials then stop pods from restarting or rescheduling, for no benefit when the tag is never overwritten. A tag counts as versioned when it starts with a version number (2.0.0, v2.0.0, 1.25-alpine) or is a commit hash (3f2a9c1, sha-3f2a9c1), and so does a digest; other tags (dev, main, nightly) are taken as moving, and Always is right for them.",
        link: LINK_IMAGES,
        fix: "set imagePullPolicy: IfNotPresent for versioned tags and digests",
    },
    RuleDoc {
        id: Rule::ReplicasWithHpa,
        severity: Severity::Error,
        title: "Deployment scaled by an HPA also sets spec.replicas",
        explanation: "The HorizontalPodAutoscaler owns the replica count. When the manifest also sets spec.replicas, every apply or ArgoCD sync (and self-heal) resets the count to the value in Git, fighting the autoscaler and dropping capacity under load. Kubernetes recommends removing spec.replicas from the manifest of an autoscaled workload.",
        link: "https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/#migrating-deployments-and-statefulsets-to-horizontal-autoscaling",
        fix: "remove spec.replicas from the Deployment (or make ArgoCD ignore /spec/replicas with ignoreDifferences and RespectIgnoreDifferences=true)",
    },
    RuleDoc {
        id: Rule::DeletedWithApplication,
        severity: Severity::Warning,
        title: "data-holding object is deleted with its ArgoCD Application",
        explanation: "An Application with the resources-finalizer.argocd.argoproj.io finalizer deletes every resource it manages when it is deleted or renamed. That includes PersistentVolumeClaims (and a Namespace, with everything in it), so the database and media volumes go with it. The per-resource sync option Delete=false keeps the object when the Application is deleted; Prune=false also keeps it when it disappears from Git.",
        link: "https://argo-cd.readthedocs.io/en/stable/user-guide/sync-options/",
        fix: "annotate the object with argocd.argoproj.io/sync-options: Prune=false,Delete=false; for a throwaway environment that must disappear with its Application (a PR preview), set argocd.keep_on_delete = false, which marks the objects magnetiq.voltaic.systems/ephemeral: \"true\" instead",
    },
    RuleDoc {
        id: Rule::ServiceSelectsNothing,
        severity: Severity::Error,
        title: "Service selects no workload in the set",
        explanation: "A Service sends traffic to the pods whose labels contain all of its selector's labels. When no workload's pod template carries those labels, the Service has no endpoints and every request to it fails (a 503 from the Ingress).",
        link: LINK_SERVICE,
        fix: "make spec.selector a subset of the pod template labels of the intended workload",
    },
    RuleDoc {
        id: Rule::ServiceTargetPortUnnamed,
        severity: Severity::Error,
        title: "Service targetPort names a port the selected containers do not have",
        explanation: "A named targetPort is looked up among the container ports of each selected pod. If no container declares a port with that name, the pod is left out of the Service's endpoints and traffic to it fails.",
        link: LINK_SERVICE,
        fix: "name the container port (ports[].name) as the Service's targetPort, or use the port number",
    },
    RuleDoc {
        id: Rule::MissingPodDisruptionBudget,
        severity: Severity::Warning,
        title: "replicated workload without a PodDisruptionBudget",
        explanation: "A workload that runs several pods for availability can still lose all of them at once during voluntary disruptions (a node drain, a cluster upgrade), because nothing tells the eviction API how many must stay up. A PodDisruptionBudget does.",
        link: "https://kubernetes.io/docs/tasks/run-application/configure-pdb/",
        fix: "add a policy/v1 PodDisruptionBudget whose selector matches the pods, e.g. with maxUnavailable: 1",
    },
    RuleDoc {
        id: Rule::MissingReference,
        severity: Severity::Warning,
        title: "reference to an object that is not in the set",
        explanation: "The object refers to a ConfigMap, Secret, PersistentVolumeClaim, ServiceAccount, StorageClass, Role, Service or Deployment that is not declared among the linted manifests. If it is not created out of band the pod stays in ContainerCreating or CreateContainerConfigError (or the claim stays Pending, the HPA or Ingress backend does nothing); a typo in the name has the same effect.",
        link: "https://kubernetes.io/docs/concepts/configuration/configmap/",
        fix: "declare the referenced object in the tree, correct the name, or mark the reference optional if the object may be absent",
    },
    RuleDoc {
        id: Rule::MissingConfigMapKey,
        severity: Severity::Error,
        title: "configMapKeyRef names a key the ConfigMap does not have",
        explanation: "An env entry taken from a ConfigMap key that does not exist stops the container from starting (CreateContainerConfigError) unless the reference is optional.",
        link: "https://kubernetes.io/docs/tasks/configure-pod-container/configure-pod-configmap/",
        fix: "add the key to the ConfigMap, correct the key name, or set optional: true",
    },
    RuleDoc {
        id: Rule::SelectorMismatch,
        severity: Severity::Error,
        title: "workload selector does not match its pod template labels",
        explanation: "A Deployment's (StatefulSet's, DaemonSet's) spec.selector must match the labels of spec.template; the API server rejects the object otherwise. The selector is also immutable after creation, so it should hold only labels that never change between releases.",
        link: "https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#selector",
        fix: "make spec.selector.matchLabels a subset of spec.template.metadata.labels",
    },
    RuleDoc {
        id: Rule::LonghornReadWriteMany,
        severity: Severity::Warning,
        title: "ReadWriteMany claim on a Longhorn StorageClass",
        explanation: "Longhorn serves ReadWriteMany volumes through a share-manager pod over NFSv4, so every node that mounts the volume needs an NFS client (nfs-common / nfs-utils); without it the mount fails. When a single pod uses the volume, ReadWriteOnce avoids the NFS hop entirely.",
        link: "https://longhorn.io/docs/latest/nodes-and-volumes/volumes/rwx-volumes/",
        fix: "use accessModes: [ReadWriteOnce] unless several pods on different nodes must mount the volume, and then install an NFSv4 client on every node",
    },
    RuleDoc {
        id: Rule::ConnectTimeoutAbove75,
        severity: Severity::Warning,
        title: "ingress-nginx proxy-connect-timeout above 75 seconds",
        explanation: "nginx documents that the proxy connect timeout usually cannot exceed 75 seconds, so a larger value of nginx.ingress.kubernetes.io/proxy-connect-timeout does not do what it says. Long-running requests are governed by proxy-read-timeout and proxy-send-timeout instead.",
        link: "https://nginx.org/en/docs/http/ngx_http_proxy_module.html#proxy_connect_timeout",
        fix: "remove proxy-connect-timeout (or set it to at most 75) and keep proxy-read-timeout / proxy-send-timeout for slow requests",
    },
    RuleDoc {
        id: Rule::RecurringJobCron,
        severity: Severity::Error,
        title: "Longhorn RecurringJob cron that Longhorn's parser refuses",
        explanation: "Longhorn reads spec.cron with robfig/cron's standard parser: five fields (minute 0-59, hour 0-23, day of month 1-31, month 1-12 or JAN-DEC, day of week 0-6 or SUN-SAT), each a list of *, numbers, ranges a-b and steps /n, or a descriptor such as @daily. Its admission webhook refuses anything else (day of week 7, a range 1-2-3, a step /0), so the RecurringJob is never created and no backup runs, while the rest of the sync succeeds.",
        link: "https://longhorn.io/docs/latest/snapshots-and-backups/scheduling-backups-and-snapshots/",
        fix: "write the schedule in the five-field form, e.g. \"0 2 * * *\" for 02:00 every day, with Sunday as 0",
    },
    RuleDoc {
        id: Rule::DuplicateMountPath,
        severity: Severity::Error,
        title: "container mounts two volumes at one path",
        explanation: "The API server refuses a pod whose container lists one mountPath twice (\"must be unique\"). Two spellings of one directory (/app/data and /app/data/, /app//data) pass the API server but clash in the container runtime, where one volume hides the other: an emptyDir over the database volume means writes that vanish on restart.",
        link: "https://kubernetes.io/docs/concepts/storage/volumes/",
        fix: "give each volume mount its own directory, and drop a scratch emptyDir where a volume is already mounted",
    },
    RuleDoc {
        id: Rule::ServiceMonitorSelectsNoService,
        severity: Severity::Error,
        title: "ServiceMonitor selects no Service in the set",
        explanation: "The Prometheus Operator turns a ServiceMonitor into scrape targets by finding the Services whose metadata.labels match spec.selector, in the ServiceMonitor's own namespace unless spec.namespaceSelector names others (matchNames, or any: true). It matches the Service's own labels, not the pod labels in the Service's spec.selector. When no Service matches, Prometheus has no target for it: no metrics and no alert that anything is missing.",
        link: "https://prometheus-operator.dev/docs/developer/getting-started/#using-servicemonitors",
        fix: "make spec.selector match the metadata.labels of the Service in front of the pods (and spec.namespaceSelector its namespace), or label the Service",
    },
    RuleDoc {
        id: Rule::ServiceMonitorPortUnnamed,
        severity: Severity::Error,
        title: "ServiceMonitor endpoint port is not a named port of the Services it selects",
        explanation: "A ServiceMonitor endpoint's port is the name of a port of the selected Service (spec.ports[].name), not a number and not a container port name. When none of the selected Services has a port of that name, the operator generates a scrape job that keeps no endpoint, and the target silently never appears in Prometheus.",
        link: "https://prometheus-operator.dev/docs/api-reference/api/#monitoring.coreos.com/v1.Endpoint",
        fix: "name the Service port (spec.ports[].name, e.g. metrics) and use that name as endpoints[].port",
    },
    RuleDoc {
        id: Rule::BackupGroupWithoutVolumes,
        severity: Severity::Error,
        title: "Longhorn RecurringJob group that no volume claim joins",
        explanation: "A Longhorn RecurringJob runs for the volumes labelled with one of its groups. Managed from Git, a volume gets that label from its PersistentVolumeClaim, and only when the claim carries both recurring-job-group.longhorn.io/<group>: enabled and recurring-job.longhorn.io/source: enabled (without the source label Longhorn never copies the claim's labels to the volume). When no claim in the set does, the job runs on schedule and backs up nothing, while everyone believes the data is safe. The group default is the exception: Longhorn applies it to every volume without job labels.",
        link: "https://longhorn.io/docs/latest/snapshots-and-backups/scheduling-backups-and-snapshots/",
        fix: "label the claims to back up with recurring-job-group.longhorn.io/<group>: enabled and recurring-job.longhorn.io/source: enabled, or correct the group name in spec.groups",
    },
    RuleDoc {
        id: Rule::VolumeInGroupWithoutJob,
        severity: Severity::Warning,
        title: "volume claim joins a Longhorn backup group that no RecurringJob in the set runs",
        explanation: "A PersistentVolumeClaim labelled recurring-job-group.longhorn.io/<group>: enabled is backed up only by a RecurringJob that lists the group in spec.groups. When no RecurringJob in the set does, the volume is backed up only if such a job is created out of band; a typo in the group name has the same effect, silently.",
        link: "https://longhorn.io/docs/latest/snapshots-and-backups/scheduling-backups-and-snapshots/",
        fix: "add the group to a RecurringJob's spec.groups (or add a RecurringJob for it), or correct the label's group name",
    },
    RuleDoc {
        id: Rule::SecretWithTwoOwners,
        severity: Severity::Error,
        title: "Secret declared in the set is also written by an ExternalSecret or SealedSecret",
        explanation: "An ExternalSecret writes the Secret named by spec.target.name (by default its own name); a SealedSecret writes the Secret named by spec.template.metadata.name (by default its own name). With the default creationPolicy Owner the External Secrets Operator refuses to take over a Secret it does not own, and the sealed-secrets controller refuses to overwrite a Secret it did not create, so the synced values never arrive. Where a controller does take over, every GitOps sync re-applies the plain Secret over the values it wrote.",
        link: "https://external-secrets.io/latest/guides/ownership-deletion-policy/",
        fix: "remove the plain Secret from the set and let the ExternalSecret or SealedSecret create it, or give the target another name",
    },
    RuleDoc {
        id: Rule::RouteBodySizeNotCarriedOver,
        severity: Severity::Warning,
        title: "HTTPRoute does not enforce the request body limit the Ingress did",
        explanation: "ingress-nginx limits request bodies (proxy-body-size; 1m unless set). The Gateway API has no standard field for a body limit, so an HTTPRoute rendered from the same profile carries none: the Gateway implementation's own default applies, which may be far larger (uploads the backend never expected) or smaller (media uploads refused). magnetiq-gen marks such a route with the annotation magnetiq.voltaic.systems/request-body-size-not-carried-over.",
        link: "https://gateway-api.sigs.k8s.io/guides/migrating-from-ingress/",
        fix: "enforce the limit with your implementation's policy resource (e.g. Envoy Gateway's ClientTrafficPolicy) and name it in gateway.body_size_enforced_by",
    },
    RuleDoc {
        id: Rule::RouteToMissingBackend,
        severity: Severity::Error,
        title: "HTTPRoute sends to a Service or port that is not in the set",
        explanation: "An HTTPRoute backendRef names a Service (in the route's namespace unless it says otherwise) and one of its ports (spec.ports[].port, not the targetPort). When the Service does not exist or has no such port, the Gateway marks the reference unresolved (ResolvedRefs False) and answers the matching requests with a 500 error.",
        link: "https://gateway-api.sigs.k8s.io/api-types/httproute/#backendrefs-optional",
        fix: "name an existing Service and one of its spec.ports[].port values in backendRefs",
    },
    RuleDoc {
        id: Rule::RouteHostNotOnListener,
        severity: Severity::Error,
        title: "HTTPRoute host that no listener of its Gateway serves",
        explanation: "A route attaches to a Gateway listener only for the host names both accept: the route's spec.hostnames intersected with the listener's hostname (a listener without hostname accepts every host, a wildcard such as *.example.com the hosts below it). When none of the route's hosts matches the listener its parentRef names, the route is not accepted (Accepted False, NoMatchingListenerHostname) and the host is served by nothing.",
        link: "https://gateway-api.sigs.k8s.io/api-types/httproute/#hostnames",
        fix: "make the route's spec.hostnames and the listener's hostname name the same host",
    },
    RuleDoc {
        id: Rule::ListenerWithoutTls,
        severity: Severity::Error,
        title: "Gateway listener without TLS for a host it serves over HTTPS",
        explanation: "An HTTPS listener terminates TLS only with tls.certificateRefs naming the Secret that holds the certificate (cert-manager fills it from the Gateway's annotation); without it the listener is invalid and the host is not served. And when a Gateway has an HTTPS listener for a host, a route that sends that host's requests to the application from a plain HTTP listener serves the site unencrypted beside it, instead of redirecting to HTTPS.",
        link: "https://gateway-api.sigs.k8s.io/guides/tls/",
        fix: "give the HTTPS listener tls.mode Terminate and tls.certificateRefs, and let only a RequestRedirect route (scheme https) attach to the HTTP listener",
    },
    RuleDoc {
        id: Rule::RouteNotAllowed,
        severity: Severity::Error,
        title: "HTTPRoute that its Gateway's listener does not accept",
        explanation: "A listener accepts routes only from the namespaces its allowedRoutes.namespaces.from allows (Same, the default: only the Gateway's own namespace; All; Selector) and of the kinds allowedRoutes.kinds lists; a parentRef's sectionName must name one of its listeners. A route the listener does not accept is never attached (Accepted False, NotAllowedByListeners or NoMatchingParent), and its host is served by nothing.",
        link: "https://gateway-api.sigs.k8s.io/guides/multiple-ns/",
        fix: "attach the route to a listener whose allowedRoutes admits its namespace and kind (or widen allowedRoutes), and name an existing listener in sectionName",
    },
    RuleDoc {
        id: Rule::RetiredIngressNginx,
        severity: Severity::Warning,
        title: "Ingress is written for ingress-nginx, retired since March 2026",
        explanation: "Kubernetes SIG Network retired the community ingress-nginx controller in March 2026: no further releases, bug fixes or security fixes. An Ingress of class nginx, or one carrying nginx.ingress.kubernetes.io/ annotations, keeps the deployment's public edge on a proxy nobody patches any more. It works today; every future CVE in it stays open.",
        link: "https://kubernetes.io/blog/2025/11/11/ingress-nginx-retirement/",
        fix: "move to the Gateway API (README.md#migrating-from-ingress-nginx-to-the-gateway-api, \"Migrating from ingress-nginx to the Gateway API\") or to another maintained controller (ingress.controller = \"traefik\"); to keep ingress-nginx knowingly for now, set ingress.controller = \"ingress-nginx\" in the profile, which lint --profile takes as the acknowledgement",
    },
    RuleDoc {
        id: Rule::CnpgSuperuserAccess,
        severity: Severity::Error,
        title: "CloudNativePG Cluster enables superuser access",
        explanation: "With spec.enableSuperuserAccess: true CloudNativePG keeps a password for the postgres superuser in the Secret <cluster>-superuser and allows it to log in over the network. Anyone who can read that Secret, or any pod the NetworkPolicy lets reach the instances, can then bypass every permission of the application's database. The application needs only the owner CloudNativePG bootstraps (<cluster>-app); administration works without a password through kubectl cnpg psql, which runs as postgres inside the instance.",
        link: "https://cloudnative-pg.io/documentation/current/security/",
        fix: "set spec.enableSuperuserAccess: false (the default) and use kubectl cnpg psql for administration",
    },
    RuleDoc {
        id: Rule::CnpgSingleInstanceBudget,
        severity: Severity::Warning,
        title: "CloudNativePG Cluster of one instance keeps its PodDisruptionBudgets",
        explanation: "CloudNativePG gives every Cluster a PodDisruptionBudget for its primary (minAvailable 1) unless spec.enablePDB is false. With a single instance that budget allows no eviction at all: kubectl drain on the node holding it waits forever, and node upgrades stall until someone edits the live cluster. A budget protects nothing there (there is no replica to keep serving).",
        link: "https://cloudnative-pg.io/documentation/current/kubernetes_upgrade/",
        fix: "set spec.enablePDB: false on a one-instance Cluster (the database is down while its pod moves), or run two or more instances",
    },
    RuleDoc {
        id: Rule::ViteVariableAtRunTime,
        severity: Severity::Warning,
        title: "Container gets a VITE_ variable, which a built Vite bundle never reads",
        explanation: "Vite replaces import.meta.env.VITE_* with literal values when the bundle is built; the browser runs that bundle, and nginx only serves it. An environment variable given to the running container is read by nobody, so the bundle keeps whatever value it was built with (often a developer's localhost URL) while the manifest suggests otherwise.",
        link: "https://vite.dev/guide/env-and-mode",
        fix: "build the bundle with a same-host relative URL (VITE_API_URL=/api), or give the settings as a runtime configuration file the bundle fetches ([frontend.runtime_config]) and drop the variable",
    },
    RuleDoc {
        id: Rule::NoPodSecurityEnforced,
        severity: Severity::Warning,
        title: "Namespace whose pods no Pod Security Standard is enforced on",
        explanation: "Pod Security Admission (GA in Kubernetes 1.25) enforces a Pod Security Standard per namespace through the label pod-security.kubernetes.io/enforce. Without it (or with privileged) nothing stops a pod with a root user, a privileged container or a hostPath volume from being admitted: the hardening of the rendered pods is then a convention that any later manifest, patch or template can drop, instead of a rule the API server applies.",
        link: "https://kubernetes.io/docs/concepts/security/pod-security-admission/",
        fix: "label the namespace pod-security.kubernetes.io/enforce: restricted (or baseline where an operator's pods need it) with enforce-version pinned, and warn/audit: restricted",
    },
    RuleDoc {
        id: Rule::SecretMadeInSameWave,
        severity: Severity::Warning,
        title: "Workload reads a Secret whose maker ArgoCD syncs in the same or a later wave",
        explanation: "Within one sync wave ArgoCD applies the built-in kinds first and custom resources after all of them, so the Deployment is created before the ExternalSecret, SealedSecret or CloudNativePG Cluster that makes the Secret it reads. On an empty cluster its pods then fail with CreateContainerConfigError until the Secret appears, the first sync reports a degraded application, and a Secret that never appears (a wrong store key) shows up as a crash loop instead of a failed ExternalSecret. A lower sync wave makes ArgoCD wait until the maker is healthy.",
        link: "https://argo-cd.readthedocs.io/en/stable/user-guide/sync-waves/",
        fix: "give the ExternalSecret, SealedSecret or Cluster a lower argocd.argoproj.io/sync-wave than the workloads that read its Secret (magnetiq-gen uses \"-1\")",
    },
    RuleDoc {
        id: Rule::NoShutdownDelay,
        severity: Severity::Warning,
        title: "Deployment of several pods whose serving containers have no preStop delay",
        explanation: "When a pod is replaced (a rollout, a node drain, a scale-in) its endpoint is withdrawn at the moment it starts terminating, but the ingress controller, the Gateway's proxies and kube-proxy on every node learn of it a few seconds later. A container that stops serving as soon as it receives SIGTERM refuses the requests still sent to it in that window: every rollout then shows a burst of 502 errors, although another pod was ready to take them.",
        link: "https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-termination",
        fix: "add lifecycle.preStop (for example exec sleep 5) to each serving container, and keep terminationGracePeriodSeconds above that delay plus the server's own shutdown",
    },
];
