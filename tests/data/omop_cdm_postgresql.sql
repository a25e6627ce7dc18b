-- The OMOP CDM 5.4 tables molsieve reads, as the CDM's PostgreSQL DDL declares them (types
-- and nullability; no keys or indexes), plus molsieve's genotype table. The OMOP PostgreSQL
-- import test loads a synthetic OMOP CSV export into them.
CREATE TABLE person (
  person_id integer NOT NULL, gender_concept_id integer NOT NULL, year_of_birth integer NOT NULL,
  month_of_birth integer NULL, day_of_birth integer NULL, birth_datetime TIMESTAMP NULL,
  race_concept_id integer NOT NULL, ethnicity_concept_id integer NOT NULL, location_id integer NULL,
  provider_id integer NULL, care_site_id integer NULL, person_source_value varchar(50) NULL,
  gender_source_value varchar(50) NULL, gender_source_concept_id integer NULL, race_source_value varchar(50) NULL,
  race_source_concept_id integer NULL, ethnicity_source_value varchar(50) NULL,
  ethnicity_source_concept_id integer NULL);
CREATE TABLE observation_period (
  observation_period_id integer NOT NULL, person_id integer NOT NULL, observation_period_start_date date NOT NULL,
  observation_period_end_date date NOT NULL, period_type_concept_id integer NOT NULL);
CREATE TABLE condition_occurrence (
  condition_occurrence_id integer NOT NULL, person_id integer NOT NULL, condition_concept_id integer NOT NULL,
  condition_start_date date NOT NULL, condition_start_datetime TIMESTAMP NULL, condition_end_date date NULL,
  condition_end_datetime TIMESTAMP NULL, condition_type_concept_id integer NOT NULL,
  condition_status_concept_id integer NULL, stop_reason varchar(20) NULL, provider_id integer NULL,
  visit_occurrence_id integer NULL, visit_detail_id integer NULL, condition_source_value varchar(50) NULL,
  condition_source_concept_id integer NULL, condition_status_source_value varchar(50) NULL);
CREATE TABLE drug_exposure (
  drug_exposure_id integer NOT NULL, person_id integer NOT NULL, drug_concept_id integer NOT NULL,
  drug_exposure_start_date date NOT NULL, drug_exposure_start_datetime TIMESTAMP NULL,
  drug_exposure_end_date date NOT NULL, drug_exposure_end_datetime TIMESTAMP NULL, verbatim_end_date date NULL,
  drug_type_concept_id integer NOT NULL, stop_reason varchar(20) NULL, refills integer NULL, quantity NUMERIC NULL,
  days_supply integer NULL, sig TEXT NULL, route_concept_id integer NULL, lot_number varchar(50) NULL,
  provider_id integer NULL, visit_occurrence_id integer NULL, visit_detail_id integer NULL,
  drug_source_value varchar(50) NULL, drug_source_concept_id integer NULL, route_source_value varchar(50) NULL,
  dose_unit_source_value varchar(50) NULL);
CREATE TABLE measurement (
  measurement_id integer NOT NULL, person_id integer NOT NULL, measurement_concept_id integer NOT NULL,
  measurement_date date NOT NULL, measurement_datetime TIMESTAMP NULL, measurement_time varchar(10) NULL,
  measurement_type_concept_id integer NOT NULL, operator_concept_id integer NULL, value_as_number NUMERIC NULL,
  value_as_concept_id integer NULL, unit_concept_id integer NULL, range_low NUMERIC NULL, range_high NUMERIC NULL,
  provider_id integer NULL, visit_occurrence_id integer NULL, visit_detail_id integer NULL,
  measurement_source_value varchar(50) NULL, measurement_source_concept_id integer NULL,
  unit_source_value varchar(50) NULL, unit_source_concept_id integer NULL, value_source_value varchar(50) NULL,
  measurement_event_id bigint NULL, meas_event_field_concept_id integer NULL);
CREATE TABLE cdm_source (
  cdm_source_name varchar(255) NOT NULL, cdm_source_abbreviation varchar(25) NOT NULL, cdm_holder varchar(255) NOT NULL,
  source_description TEXT NULL, source_documentation_reference varchar(255) NULL, cdm_etl_reference varchar(255) NULL,
  source_release_date date NOT NULL, cdm_release_date date NOT NULL, cdm_version varchar(10) NULL,
  cdm_version_concept_id integer NOT NULL, vocabulary_version varchar(20) NOT NULL);
CREATE TABLE concept (
  concept_id integer NOT NULL, concept_name varchar(255) NOT NULL, domain_id varchar(20) NOT NULL,
  vocabulary_id varchar(20) NOT NULL, concept_class_id varchar(20) NOT NULL, standard_concept varchar(1) NULL,
  concept_code varchar(50) NOT NULL, valid_start_date date NOT NULL, valid_end_date date NOT NULL,
  invalid_reason varchar(1) NULL);
CREATE TABLE concept_ancestor (
  ancestor_concept_id integer NOT NULL, descendant_concept_id integer NOT NULL,
  min_levels_of_separation integer NOT NULL, max_levels_of_separation integer NOT NULL);
-- molsieve's own: pharmacogenomic results and biomarkers (docs/cohorts.md).
CREATE TABLE genotype (person_id integer NOT NULL, gene varchar(50) NOT NULL, result varchar(50) NOT NULL,
  value NUMERIC NULL);
