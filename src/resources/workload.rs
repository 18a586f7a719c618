//! Deployments, their Services and the frontend's autoscaler.

use std::collections::BTreeMap;

use k8s_openapi::Resource;
use k8s_openapi::api::apps::v1::{
    Deployment, DeploymentSpec, DeploymentStrategy, RollingUpdateDeployment,
};
use k8s_openapi::api::autoscaling::v2::{
    CrossVersionObjectReference, HorizontalPodAutoscaler, HorizontalPodAutoscalerSpec, MetricSpec,
    MetricTarget, ResourceMetricSource,
};
use k8s_openapi::api::core::v1::{
    ConfigMapEnvSource, ConfigMapKeySelector, ConfigMapVolumeSource, Container, ContainerPort,
    EmptyDirVolumeSource, EnvFromSource, EnvVar, EnvVarSource, ExecAction, HTTPGetAction,
    Lifecycle, LifecycleHandler, LocalObjectReference, PersistentVolumeClaimVolumeSource,
    PodSecurityContext, PodSpec, PodTemplateSpec, Probe, ResourceRequirements, SeccompProfile,
    SecretKeySelector, Service, ServicePort, ServiceSpec, TopologySpreadConstraint, Volume,
    VolumeMount,
};
use k8s_openapi::api::policy::v1::{PodDisruptionBudget, PodDisruptionBudgetSpec};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::meta;
use crate::labels::{self, Component};
use crate::names::Names;
use crate::profile::{self, Profile, PullPolicy, SecretSource, Workload};

/// The name of every container port and Service port.
const PORT_NAME: &str = "http";

/// How long a terminating pod goes on serving before its container is told to stop. Its
/// endpoint is withdrawn as the pod starts terminating, but the edge (ingress controller,
/// Gateway proxy, kube-proxy on every node) learns of it a moment later; until then it still
/// sends new requests, which a stopped server would refuse. `sleep` exists in both images
/// (nginx's and Python's base images); the hook's time counts against the grace period.
const SHUTDOWN_DELAY_SECONDS: &str = "5";

/// The grace period: the delay above, then the server's own shutdown (uvicorn finishes the
/// requests in flight; nginx exits at once on SIGTERM, its responses are small files), before
/// the kubelet kills what is left. Kubernetes' default, stated so a reader sees the budget.
const TERMINATION_GRACE_SECONDS: i64 = 30;

/// The frontend's volume holding its runtime configuration file.
const RUNTIME_CONFIG_VOLUME: &str = "runtime-config";

/// The backend Deployment.
///
/// With SQLite, exactly one replica with the `Recreate` strategy: SQLite allows one writer
/// and the database volume is ReadWriteOnce, so a rolling update (new pod up before the old
/// one is gone) would hang on a Multi-Attach error or run two writers. Validation refuses
/// more. With PostgreSQL the database is a Service away: the backend mounts only the media
/// volume and, when that is ReadWriteMany (which validation demands of a scaled backend),
/// rolls out with a surge, one new pod ready before an old one goes: no downtime.
pub fn backend(p: &Profile, names: &Names) -> Deployment {
    let w = &p.backend;
    let mut env = vec![env_value(crate::rules::PORT_ENV, &w.port.to_string())];
    env.extend(config_env(w, names));
    env.extend(secret_env(p, w, names));
    env.extend(super::database::backend_env(p, names));
    env.extend(w.env.iter().map(|(k, v)| env_value(k, v)));
    let mut container = container("backend", w, env, names);
    if let Some(port) = p.monitoring.as_ref().and_then(|m| m.container_port) {
        container
            .ports
            .get_or_insert_with(Vec::new)
            .push(ContainerPort {
                name: Some(super::ops::METRICS_PORT.into()),
                container_port: port,
                protocol: Some("TCP".into()),
                ..Default::default()
            });
    }
    let sqlite = p.postgres.is_none();
    let mut mounts = Vec::new();
    let mut volumes = Vec::new();
    if sqlite {
        mounts.push(VolumeMount {
            name: "data".into(),
            mount_path: p.storage.data.mount_path.clone(),
            ..Default::default()
        });
        volumes.push(claim_volume("data", &names.data_pvc));
    }
    mounts.push(VolumeMount {
        name: "media".into(),
        mount_path: p.storage.media.mount_path.clone(),
        ..Default::default()
    });
    volumes.push(claim_volume("media", &names.media_pvc));
    container.volume_mounts = Some(mounts);
    // A ReadWriteOnce media volume attaches to one node: a surge pod elsewhere would wait on
    // it forever, so one pod with Recreate, as with SQLite (validation allows more pods only
    // on ReadWriteMany media).
    let single_node = sqlite || p.storage.media.access_mode != profile::AccessMode::ReadWriteMany;
    let strategy = if single_node {
        DeploymentStrategy {
            type_: Some("Recreate".into()),
            ..Default::default()
        }
    } else {
        DeploymentStrategy {
            type_: Some("RollingUpdate".into()),
            rolling_update: Some(RollingUpdateDeployment {
                max_surge: Some(IntOrString::Int(1)),
                max_unavailable: Some(IntOrString::Int(0)),
            }),
        }
    };
    // With a backend HPA, `replicas` is left out: the HPA owns it (as for the frontend).
    let replicas = p.backend_max_replicas.is_none().then_some(w.replicas);
    let mut d = deployment(
        p,
        names,
        &names.backend,
        Component::Backend,
        w,
        replicas,
        Some(strategy),
        container,
        Some(volumes),
    );
    // A SQLite restore, then the initial import, run before the backend, in its pod (see
    // `sqlite.rs`): after a restore the database exists and the import does nothing.
    let init: Vec<Container> = super::sqlite::restore_container(p)
        .into_iter()
        .chain(super::sqlite::import_container(p))
        .collect();
    if let Some(pod) = d.spec.as_mut().and_then(|s| s.template.spec.as_mut()) {
        if !init.is_empty() {
            pod.init_containers = Some(init);
        }
        if let Some(v) = super::sqlite::restore_volume(p, names) {
            pod.volumes.get_or_insert_with(Vec::new).push(v);
        }
    }
    d
}

/// The frontend Deployment. With autoscaling on, `replicas` is left unset: the HPA owns it,
/// and a value here would be reset by every sync (ArgoCD self-heal against the HPA).
pub fn frontend(p: &Profile, names: &Names) -> Deployment {
    let w = &p.frontend;
    let mut env = vec![env_value(crate::rules::PORT_ENV, &w.port.to_string())];
    env.extend(config_env(w, names));
    env.extend(secret_env(p, w, names));
    env.extend(w.env.iter().map(|(k, v)| env_value(k, v)));
    let replicas = if p.autoscaling.is_some() {
        None
    } else {
        Some(w.replicas)
    };
    let mut container = container("frontend", w, env, names);
    // The runtime configuration file, by subPath: the bundle's other files in that directory
    // stay visible. A subPath mount never sees later ConfigMap changes; the pod template's
    // checksum/config covers the file, so a change rolls the pods instead.
    let volumes = w.runtime_config.as_ref().map(|r| {
        container
            .volume_mounts
            .get_or_insert_with(Vec::new)
            .push(VolumeMount {
                name: RUNTIME_CONFIG_VOLUME.into(),
                mount_path: r.path.clone(),
                sub_path: Some(r.file_name.clone()),
                read_only: Some(true),
                ..Default::default()
            });
        vec![Volume {
            name: RUNTIME_CONFIG_VOLUME.into(),
            config_map: Some(ConfigMapVolumeSource {
                name: names.frontend.clone(),
                ..Default::default()
            }),
            ..Default::default()
        }]
    });
    deployment(
        p,
        names,
        &names.frontend,
        Component::Frontend,
        w,
        replicas,
        None,
        container,
        volumes,
    )
}

#[allow(clippy::too_many_arguments)]
fn deployment(
    p: &Profile,
    names: &Names,
    name: &str,
    component: Component,
    w: &Workload,
    replicas: Option<i32>,
    strategy: Option<DeploymentStrategy>,
    mut container: Container,
    volumes: Option<Vec<Volume>>,
) -> Deployment {
    let pod_labels = labels::workload(p, component);
    let mut volumes = volumes.unwrap_or_default();
    // With a read-only root filesystem, each directory the application writes gets its
    // own emptyDir.
    for (i, path) in w.security.writable_paths.iter().enumerate() {
        let volume = format!("scratch-{i}");
        volumes.push(Volume {
            name: volume.clone(),
            empty_dir: Some(EmptyDirVolumeSource::default()),
            ..Default::default()
        });
        container
            .volume_mounts
            .get_or_insert_with(Vec::new)
            .push(VolumeMount {
                name: volume,
                mount_path: path.clone(),
                ..Default::default()
            });
    }
    container.security_context = Some(super::hardened_container(
        w.security.read_only_root_filesystem,
    ));
    // A change to the ConfigMap changes this annotation, so the pods roll without anyone
    // remembering `kubectl rollout restart`.
    let reads_config = w.env_from_config || !w.config_keys.is_empty() || w.runtime_config.is_some();
    let mut annotations = BTreeMap::new();
    if reads_config {
        // Only what this workload reads: a backend-only change must not restart the frontend.
        let mut read: BTreeMap<String, String> = if w.env_from_config {
            p.config.clone()
        } else {
            p.config
                .iter()
                .filter(|(k, _)| w.config_keys.contains(k))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        };
        // Under the file's path, which no config key (an environment variable name) can be.
        if let Some(r) = &w.runtime_config {
            read.insert(r.path.clone(), r.json.clone());
        }
        annotations.insert("checksum/config".to_string(), checksum(&read));
    }
    // Sealed values are ciphertext, safe to digest; plain (inline) values are not hashed
    // into an annotation, where a weak secret could be guessed back from it.
    if w.all_secrets
        && let SecretSource::Sealed { encrypted, .. } = &p.secrets.source
    {
        annotations.insert("checksum/secret".to_string(), checksum(encrypted));
    }
    let annotations = (!annotations.is_empty()).then_some(annotations);
    let mut metadata = meta(name, Some(&names.namespace), pod_labels.clone());
    let mut deployment_annotations = BTreeMap::new();
    if w.all_secrets && p.secrets.reloader {
        // Stakater Reloader restarts the Deployment when the Secret changes (secrets synced
        // by external-secrets or created out of band change without a render).
        deployment_annotations.insert(
            "secret.reloader.stakater.com/reload".to_string(),
            names.secrets.clone(),
        );
    }
    // Checkov findings accepted on purpose, each with its reason where reviewers see it.
    let mut skips = Vec::new();
    // The backend's restore and import init containers count too (their images are the
    // profile's as well).
    let init_images: Vec<&str> = if component == Component::Backend {
        let restore = p
            .sqlite
            .backup
            .as_ref()
            .filter(|b| b.restore_from.is_some());
        restore
            .map(|b| b.image.as_str())
            .into_iter()
            .chain(p.sqlite.import.as_ref().map(|i| i.image.as_str()))
            .collect()
    } else {
        Vec::new()
    };
    let digests = std::iter::once(w.image.as_str())
        .chain(init_images)
        .all(|i| i.contains("@sha256:"));
    if !digests {
        skips.push("CKV_K8S_43=images are pinned by an immutable version tag from the profile; set a @sha256 digest there to pin by digest");
    }
    if w.pull_policy != PullPolicy::Always {
        skips.push("CKV_K8S_15=versioned tags never move, and pulling on every start would make a registry outage stop pods from restarting");
    }
    if w.all_secrets && !p.secrets.required.is_empty() {
        skips.push("CKV_K8S_35=the FastAPI backend reads its settings from environment variables; each key comes through its own secretKeyRef");
    }
    for (i, skip) in skips.into_iter().enumerate() {
        deployment_annotations.insert(format!("checkov.io/skip{}", i + 1), skip.to_string());
    }
    metadata.annotations = (!deployment_annotations.is_empty()).then_some(deployment_annotations);
    // Spread replicas over nodes, so losing one node does not take every pod; "ScheduleAnyway"
    // keeps a one-node cluster schedulable. The backend spreads when it can scale
    // (PostgreSQL); with SQLite it is one pod.
    let spreads = component == Component::Frontend || p.postgres.is_some();
    let spread = spreads.then(|| {
        vec![TopologySpreadConstraint {
            max_skew: 1,
            topology_key: "kubernetes.io/hostname".into(),
            when_unsatisfiable: "ScheduleAnyway".into(),
            label_selector: Some(LabelSelector {
                match_labels: Some(labels::selector(p, component)),
                ..Default::default()
            }),
            ..Default::default()
        }]
    });
    Deployment {
        metadata,
        spec: Some(DeploymentSpec {
            replicas,
            strategy,
            selector: LabelSelector {
                match_labels: Some(labels::selector(p, component)),
                ..Default::default()
            },
            template: PodTemplateSpec {
                metadata: Some(ObjectMeta {
                    labels: Some(pod_labels),
                    annotations,
                    ..Default::default()
                }),
                spec: Some(PodSpec {
                    // Each workload has its own ServiceAccount (rbac.rs) rather than `default`,
                    // and no API token: neither talks to the Kubernetes API.
                    service_account_name: Some(name.to_string()),
                    automount_service_account_token: Some(false),
                    termination_grace_period_seconds: Some(TERMINATION_GRACE_SECONDS),
                    image_pull_secrets: p
                        .pull_secret
                        .as_ref()
                        .map(|s| vec![LocalObjectReference { name: s.clone() }]),
                    containers: vec![container],
                    volumes: (!volumes.is_empty()).then_some(volumes),
                    security_context: Some(PodSecurityContext {
                        run_as_non_root: Some(true),
                        run_as_user: Some(w.security.run_as_user),
                        run_as_group: Some(w.security.run_as_group),
                        fs_group: Some(w.security.fs_group),
                        // Re-own a volume only when its top directory is not ours yet, instead
                        // of walking the whole media volume on every start.
                        fs_group_change_policy: Some("OnRootMismatch".into()),
                        seccomp_profile: Some(SeccompProfile {
                            type_: "RuntimeDefault".into(),
                            ..Default::default()
                        }),
                        ..Default::default()
                    }),
                    topology_spread_constraints: spread,
                    ..Default::default()
                }),
            },
            ..Default::default()
        }),
        ..Default::default()
    }
}

fn container(name: &str, w: &Workload, env: Vec<EnvVar>, names: &Names) -> Container {
    let env_from = w.env_from_config.then(|| {
        vec![EnvFromSource {
            config_map_ref: Some(ConfigMapEnvSource {
                name: names.config.clone(),
                optional: Some(false),
            }),
            ..Default::default()
        }]
    });
    Container {
        name: name.into(),
        image: Some(w.image.as_str().into()),
        image_pull_policy: Some(w.pull_policy.as_str().into()),
        ports: Some(vec![ContainerPort {
            name: Some(PORT_NAME.into()),
            container_port: w.port,
            protocol: Some("TCP".into()),
            ..Default::default()
        }]),
        env: Some(env),
        env_from,
        resources: Some(ResourceRequirements {
            requests: Some(cpu_memory(&w.requests)),
            limits: Some(cpu_memory(&w.limits)),
            ..Default::default()
        }),
        liveness_probe: Some(probe(&w.probe_path, &w.liveness)),
        readiness_probe: Some(probe(&w.probe_path, &w.readiness)),
        // Without a startup probe, a slow first start (migrations on a fresh volume) is
        // killed by the liveness probe before it can finish.
        startup_probe: Some(probe(&w.probe_path, &w.startup)),
        lifecycle: Some(Lifecycle {
            pre_stop: Some(LifecycleHandler {
                exec: Some(ExecAction {
                    command: Some(vec!["sleep".into(), SHUTDOWN_DELAY_SECONDS.into()]),
                }),
                ..Default::default()
            }),
            ..Default::default()
        }),
        ..Default::default()
    }
}

fn cpu_memory(c: &profile::CpuMemory) -> BTreeMap<String, Quantity> {
    BTreeMap::from([
        ("cpu".to_string(), Quantity(c.cpu.as_str().into())),
        ("memory".to_string(), Quantity(c.memory.as_str().into())),
    ])
}

fn probe(path: &str, t: &profile::Probe) -> Probe {
    Probe {
        http_get: Some(HTTPGetAction {
            path: Some(path.into()),
            port: IntOrString::String(PORT_NAME.into()),
            ..Default::default()
        }),
        initial_delay_seconds: (t.initial_delay_seconds > 0).then_some(t.initial_delay_seconds),
        period_seconds: Some(t.period_seconds),
        timeout_seconds: Some(t.timeout_seconds),
        failure_threshold: Some(t.failure_threshold),
        ..Default::default()
    }
}

fn env_value(name: &str, value: &str) -> EnvVar {
    EnvVar {
        name: name.into(),
        value: Some(value.into()),
        ..Default::default()
    }
}

fn config_env(w: &Workload, names: &Names) -> Vec<EnvVar> {
    w.config_keys
        .iter()
        .map(|k| EnvVar {
            name: k.clone(),
            value_from: Some(EnvVarSource {
                config_map_key_ref: Some(ConfigMapKeySelector {
                    name: names.config.clone(),
                    key: k.clone(),
                    optional: Some(false),
                }),
                ..Default::default()
            }),
            ..Default::default()
        })
        .collect()
}

/// One `secretKeyRef` per declared key, rather than `envFrom` of the whole Secret: a missing
/// required key then stops the pod with an event naming the key, instead of the backend
/// starting without it.
fn secret_env(p: &Profile, w: &Workload, names: &Names) -> Vec<EnvVar> {
    if !w.all_secrets {
        return Vec::new();
    }
    let required = p.secrets.required.iter().map(|k| (k, false));
    let optional = p.secrets.optional.iter().map(|k| (k, true));
    required
        .chain(optional)
        .map(|(k, optional)| EnvVar {
            name: k.clone(),
            value_from: Some(EnvVarSource {
                secret_key_ref: Some(SecretKeySelector {
                    name: names.secrets.clone(),
                    key: k.clone(),
                    optional: Some(optional),
                }),
                ..Default::default()
            }),
            ..Default::default()
        })
        .collect()
}

fn claim_volume(name: &str, claim: &str) -> Volume {
    Volume {
        name: name.into(),
        persistent_volume_claim: Some(PersistentVolumeClaimVolumeSource {
            claim_name: claim.into(),
            read_only: None,
        }),
        ..Default::default()
    }
}

/// The backend Service.
pub fn backend_service(p: &Profile, names: &Names) -> Service {
    let mut svc = service(p, names, &names.backend, Component::Backend, p.backend.port);
    if let (Some(m), Some(spec)) = (&p.monitoring, svc.spec.as_mut()) {
        // The named port the ServiceMonitor scrapes: the container's own metrics port, or
        // the application port when metrics are served there.
        let target = if m.container_port.is_some() {
            super::ops::METRICS_PORT
        } else {
            PORT_NAME
        };
        spec.ports.get_or_insert_with(Vec::new).push(ServicePort {
            name: Some(super::ops::METRICS_PORT.into()),
            port: m.port,
            target_port: Some(IntOrString::String(target.into())),
            protocol: Some("TCP".into()),
            ..Default::default()
        });
    }
    svc
}

/// The frontend Service.
pub fn frontend_service(p: &Profile, names: &Names) -> Service {
    service(
        p,
        names,
        &names.frontend,
        Component::Frontend,
        p.frontend.port,
    )
}

fn service(p: &Profile, names: &Names, name: &str, component: Component, port: i32) -> Service {
    let mut metadata = meta(
        name,
        Some(&names.namespace),
        labels::component(p, component),
    );
    // A Service annotation changes nothing in the cluster but the controller's view of it:
    // no pod restarts when it comes or goes.
    metadata.annotations = super::ingress::service_annotations(p, names);
    Service {
        metadata,
        spec: Some(ServiceSpec {
            type_: Some("ClusterIP".into()),
            selector: Some(labels::selector(p, component)),
            ports: Some(vec![ServicePort {
                name: Some(PORT_NAME.into()),
                port,
                // By name, so the Service follows the container if its port changes.
                target_port: Some(IntOrString::String(PORT_NAME.into())),
                protocol: Some("TCP".into()),
                ..Default::default()
            }]),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// The frontend's HorizontalPodAutoscaler, when enabled.
pub fn frontend_hpa(p: &Profile, names: &Names) -> Option<HorizontalPodAutoscaler> {
    let a = p.autoscaling?;
    Some(hpa(
        p,
        &names.frontend,
        Component::Frontend,
        a.min_replicas,
        a.max_replicas,
        a.target_cpu_utilization,
    ))
}

/// The backend's HorizontalPodAutoscaler: only with PostgreSQL and
/// `autoscaling.backend_max_replicas` (validation refuses it with SQLite), from
/// `backend.replicas`, at `[autoscaling]`'s CPU target.
pub fn backend_hpa(p: &Profile, names: &Names) -> Option<HorizontalPodAutoscaler> {
    let max = p.backend_max_replicas?;
    // Validation sets a backend maximum only while [autoscaling] is enabled.
    let a = p.autoscaling?;
    Some(hpa(
        p,
        &names.backend,
        Component::Backend,
        p.backend.replicas,
        max,
        a.target_cpu_utilization,
    ))
}

fn hpa(
    p: &Profile,
    name: &str,
    component: Component,
    min: i32,
    max: i32,
    target: i32,
) -> HorizontalPodAutoscaler {
    HorizontalPodAutoscaler {
        metadata: meta(
            name,
            Some(p.app.namespace.as_str()),
            labels::component(p, component),
        ),
        spec: Some(HorizontalPodAutoscalerSpec {
            scale_target_ref: CrossVersionObjectReference {
                api_version: Some(Deployment::API_VERSION.into()),
                kind: Deployment::KIND.into(),
                name: name.into(),
            },
            min_replicas: Some(min),
            max_replicas: max,
            metrics: Some(vec![MetricSpec {
                type_: "Resource".into(),
                resource: Some(ResourceMetricSource {
                    name: "cpu".into(),
                    target: MetricTarget {
                        type_: "Utilization".into(),
                        average_utilization: Some(target),
                        ..Default::default()
                    },
                }),
                ..Default::default()
            }]),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// A stable digest of the configuration: FNV-1a over `key=value` lines, as 16 hex digits.
/// It only has to change when the data changes; it guards nothing.
fn checksum(data: &BTreeMap<String, String>) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for (k, v) in data {
        for byte in k.bytes().chain([b'=']).chain(v.bytes()).chain([b'\n']) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{hash:016x}")
}

/// The frontend's PodDisruptionBudget, when it runs more than one pod: a node drain then
/// takes at most one frontend pod at a time.
pub fn frontend_pdb(p: &Profile, names: &Names) -> Option<PodDisruptionBudget> {
    let pods = p
        .autoscaling
        .map_or(p.frontend.replicas, |a| a.min_replicas);
    (pods > 1).then(|| pdb(p, &names.frontend, Component::Frontend))
}

/// The backend's PodDisruptionBudget, when it runs more than one pod (PostgreSQL). None with
/// a single replica: a budget would only block drains.
pub fn backend_pdb(p: &Profile, names: &Names) -> Option<PodDisruptionBudget> {
    (p.backend.replicas > 1).then(|| pdb(p, &names.backend, Component::Backend))
}

fn pdb(p: &Profile, name: &str, component: Component) -> PodDisruptionBudget {
    PodDisruptionBudget {
        metadata: meta(
            name,
            Some(p.app.namespace.as_str()),
            labels::component(p, component),
        ),
        spec: Some(PodDisruptionBudgetSpec {
            max_unavailable: Some(IntOrString::Int(1)),
            selector: Some(LabelSelector {
                match_labels: Some(labels::selector(p, component)),
                ..Default::default()
            }),
            ..Default::default()
        }),
        ..Default::default()
    }
}
