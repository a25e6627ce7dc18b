"""Peer for bench/cohort.sh: the example cohort definition (datasets/cohorts/example.json,
no candidate: both candidate-aware rules apply) written directly in pandas over the OMOP CSV
files, as a data scientist would without molsieve. Prints the patients remaining after each
step (an independent check of molsieve's attrition) and the time to read and to evaluate.

Usage: python cohort_peer.py OMOP_DIR
"""
import sys
import time

import numpy as np
import pandas as pd

d = sys.argv[1]
t0 = time.perf_counter()
person = pd.read_csv(f"{d}/person.csv")
obs = pd.read_csv(f"{d}/observation_period.csv", parse_dates=["observation_period_start_date", "observation_period_end_date"])
cond = pd.read_csv(f"{d}/condition_occurrence.csv", parse_dates=["condition_start_date"])
drug = pd.read_csv(f"{d}/drug_exposure.csv", parse_dates=["drug_exposure_start_date", "drug_exposure_end_date"])
meas = pd.read_csv(f"{d}/measurement.csv", parse_dates=["measurement_date"])
geno = pd.read_csv(f"{d}/genotype.csv")
t1 = time.perf_counter()

steps = [("population", len(person))]
idx = cond[cond.condition_concept_id == 378419].groupby("person_id").condition_start_date.min().rename("index")
pop = person.set_index("person_id").join(idx, how="inner")
steps.append(("index", len(pop)))
o = obs.merge(pop["index"].reset_index(), on="person_id")
ok = o[(o.observation_period_start_date + pd.Timedelta(days=365) <= o["index"]) & (o["index"] <= o.observation_period_end_date)]
pop = pop[pop.index.isin(ok.person_id)]
steps.append(("observation", len(pop)))
age = pop["index"].dt.year - pop.year_of_birth
pop = pop[(age >= 55) & (age <= 85)]
steps.append(("age", len(pop)))
steps.append(("sex", len(pop)))

m = meas.merge(pop["index"].reset_index(), on="person_id")
m["offset"] = (m.measurement_date - m["index"]).dt.days


def latest(concept, start, end):
    w = m[(m.measurement_concept_id == concept) & (m.offset >= start) & (m.offset <= end)]
    return w.sort_values(["person_id", "measurement_date"]).groupby("person_id").tail(1).set_index("person_id")


def measurement_rule(concept, test, if_missing_pass=False, ratio=False):
    global pop
    last = latest(concept, -365, 365)
    value = last.value_as_number / last.range_high if ratio else last.value_as_number
    passing = set(value[test(value)].index)
    missing = set(pop.index) - set(last.index)
    keep = pop.index.isin(passing | (missing if if_missing_pass else set()))
    pop = pop[keep]


measurement_rule(2000000003, lambda v: (v >= 16) & (v <= 26)); steps.append(("MMSE", len(pop)))
measurement_rule(2000000001, lambda v: v >= 30); steps.append(("eGFR", len(pop)))
measurement_rule(3006923, lambda v: v <= 2.5, ratio=True); steps.append(("ALT 2.5", len(pop)))
measurement_rule(3006923, lambda v: v <= 1.5, ratio=True); steps.append(("ALT 1.5", len(pop)))
ast = latest(3013721, -365, 365); bil = latest(3024128, -365, 365)
bad = set(ast[ast.value_as_number / ast.range_high > 2.5].index) | set(bil[bil.value_as_number / bil.range_high > 1.5].index)
pop = pop[~pop.index.isin(bad)]; steps.append(("AST and bilirubin", len(pop)))
measurement_rule(2000000002, lambda v: v <= 470, if_missing_pass=True); steps.append(("QTc 470", len(pop)))
measurement_rule(2000000002, lambda v: v <= 450, if_missing_pass=True); steps.append(("QTc 450", len(pop)))
measurement_rule(3023103, lambda v: (v >= 3.5) & (v <= 5.1), if_missing_pass=True); steps.append(("potassium", len(pop)))

c = cond.merge(pop["index"].reset_index(), on="person_id")
c["offset"] = (c.condition_start_date - c["index"]).dt.days


def exclude_condition(concepts, start, end):
    global pop
    hit = c[c.condition_concept_id.isin(concepts) & (c.offset >= start) & (c.offset <= end)].person_id
    pop = pop[~pop.index.isin(hit)]


exclude_condition([316139], -365, 0); steps.append(("heart failure", len(pop)))
exclude_condition([194984], -10**6, 0); steps.append(("liver disease", len(pop)))
exclude_condition([4112853, 4163261, 4180790, 443388], -1826, 0); steps.append(("cancer", len(pop)))
g = drug.merge(pop["index"].reset_index(), on="person_id")
hit = g[g.drug_concept_id.isin([1750500, 985708, 1703653, 1748921])
        & (g.drug_exposure_start_date <= g["index"]) & (g.drug_exposure_end_date >= g["index"] - pd.Timedelta(days=30))].person_id
pop = pop[~pop.index.isin(hit)]; steps.append(("CYP3A4 inhibitor", len(pop)))
pm = geno[(geno.gene == "CYP2D6") & (geno.result == "poor metabolizer")].person_id
pop = pop[~pop.index.isin(pm)]; steps.append(("CYP2D6 PM", len(pop)))
hla = geno[(geno.gene == "HLA-B*57:01") & (geno.result == "positive")].person_id
pop = pop[~pop.index.isin(hla)]; steps.append(("HLA-B*57:01", len(pop)))
t2 = time.perf_counter()
for name, n in steps:
    print(f"{name}\t{n}")
print(f"pandas read {t1 - t0:.2f} s, evaluate {t2 - t1:.2f} s")
