//! Autoscaling and availability: HPAs on single-writer workloads (MG004), replica counts an
//! HPA owns (MG023), and PodDisruptionBudgets for replicated workloads (MG027).

use serde_json::{Map, Value};

use super::value::{Obj, as_int, get, get_str, label_selector_matches, same_ns};
use super::{Linter, Out, Rule};

impl<'a> Linter<'a> {
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

    /// MG028 (scale target) and MG004.
    pub(super) fn check_hpa(&self, o: &Obj<'a>, out: &mut Out) {
        let kind = get_str(o.v, &["spec", "scaleTargetRef", "kind"]).unwrap_or("");
        let Some(name) = get_str(o.v, &["spec", "scaleTargetRef", "name"]) else {
            return;
        };
        match self.find(kind, o.ns, name) {
            None => out.push((
                Rule::MissingReference,
                format!("scaleTargetRef {kind}/{name} is not in the set"),
            )),
            Some(target) => {
                let claims = self.single_writer_claims(target);
                if !claims.is_empty() && target.is("Deployment") {
                    out.push((
                        Rule::AutoscaledSingleWriter,
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

    /// MG023 and MG027 for a workload.
    pub(super) fn check_scaling(
        &self,
        o: &Obj<'a>,
        labels: Option<&Map<String, Value>>,
        out: &mut Out,
    ) {
        let replicas = get(o.v, &["spec", "replicas"]).and_then(as_int);
        let hpas = self.hpas_for(o);
        if let Some(h) = hpas.first()
            && replicas.is_some()
            && !self.replicas_fought_by_argocd_exempt()
        {
            out.push((
                Rule::ReplicasWithHpa,
                format!(
                    "sets spec.replicas while HorizontalPodAutoscaler {} owns the count",
                    h.name
                ),
            ));
        }
        if !matches!(o.kind, "Deployment" | "StatefulSet" | "ReplicaSet") {
            return;
        }
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
            let covered = self.of_kind("PodDisruptionBudget").any(|p| {
                same_ns(p.ns, o.ns)
                    && get(p.v, &["spec", "selector"])
                        .is_some_and(|s| label_selector_matches(s, labels))
            });
            if !covered {
                out.push((
                    Rule::MissingPodDisruptionBudget,
                    format!("runs at least {pods} pods and no PodDisruptionBudget selects them"),
                ));
            }
        }
    }
}
