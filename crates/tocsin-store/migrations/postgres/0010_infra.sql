-- Critical-infrastructure dependencies (tocsin-infra-service). Assets are
-- records of kind `asset`; these tables hold what is not a record.

-- A dependent asset's need of a commodity from a provider, declared by the
-- dependent's owner. Visible only to an agency that may see both assets.
CREATE TABLE infra_dependencies (
    id           TEXT PRIMARY KEY,
    owner        TEXT NOT NULL,
    provider     TEXT NOT NULL,
    dependent    TEXT NOT NULL,
    commodity    TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    body         TEXT NOT NULL,
    -- One need of a commodity per pair, also when two declarations race.
    UNIQUE (provider, dependent, commodity)
);
CREATE INDEX infra_dependencies_provider ON infra_dependencies(provider);
CREATE INDEX infra_dependencies_dependent ON infra_dependencies(dependent);

-- Grows by one with every change of the dependencies, so a node's cached
-- graph knows when to read them again.
CREATE TABLE infra_generation (
    id         BIGINT PRIMARY KEY,
    generation BIGINT NOT NULL
);
INSERT INTO infra_generation (id, generation) VALUES (1, 0);

-- Early-warning watches on assets, with the state last warned about
-- (`version` grows with each change, so two nodes never warn twice).
CREATE TABLE infra_watches (
    id          TEXT PRIMARY KEY,
    agency      TEXT NOT NULL,
    asset       TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    body        TEXT NOT NULL,
    state       TEXT NOT NULL,
    version     BIGINT NOT NULL
);
CREATE INDEX infra_watches_agency ON infra_watches(agency);
