-- Blue-green traffic splits: the percent of a service's calls that go to each colour
-- while a deploy shifts them (sylctl deploy). A service without a row spreads its calls
-- over every healthy instance alike. Changes add 1 to registry_state.version.
CREATE TABLE registry_traffic (
  service  TEXT PRIMARY KEY,
  blue     INTEGER NOT NULL CHECK (blue BETWEEN 0 AND 100),
  green    INTEGER NOT NULL CHECK (green BETWEEN 0 AND 100),
  CHECK (blue + green = 100)
);
