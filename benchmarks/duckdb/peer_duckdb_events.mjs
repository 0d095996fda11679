// The event-log job in DuckDB (@duckdb/node-api): derive interactions from events (spec section
// 11's core rules in SQL: first response = first public agent message after the first customer
// message, waits with waiting-since semantics, rounds within 180 s, resolution at the last
// solve, CSAT from the last rating), then KPIs by agent x day with exact quantiles.
// Not covered (cskpi does them): the bot hand-off rule, transfers, reopens, sessions, SLA
// policies, validation and the reject ledger, FCR, the overall row.
// Usage: node peer_duckdb_events.mjs EVENTS.csv THREADS      (prints a checksum line to compare)
import { DuckDBInstance } from '@duckdb/node-api';

const [data, threads = '2'] = process.argv.slice(2);
const t0 = Date.now();
const db = await DuckDBInstance.create(':memory:', { threads });
const con = await db.connect();
await con.run(`CREATE TEMP TABLE per AS
WITH e AS (
  SELECT interaction_id, "at", "from" AS sender, agent, coalesce(kind, 'message') AS kind, status, text, channel,
         row_number() OVER () AS rn
  FROM read_csv('${data}', header = true, timestampformat = '%Y-%m-%d %H:%M:%S',
                types = {'text': 'VARCHAR', 'status': 'VARCHAR', 'kind': 'VARCHAR', 'agent': 'VARCHAR'})),
s AS (  -- customer messages (c) and answering rows (a), each with the previous one's type
  SELECT *, lag(r) OVER (PARTITION BY interaction_id ORDER BY "at", rn) AS prev FROM (
    SELECT interaction_id, "at", rn, agent,
           CASE WHEN sender = 'customer' AND kind = 'message' THEN 'c'
                WHEN sender = 'agent' AND kind = 'message' THEN 'a' END AS r
    FROM e) WHERE r IS NOT NULL),
b AS (  -- wait openings and closings, alternating
  SELECT * FROM s WHERE (r = 'c' AND (prev IS NULL OR prev = 'a')) OR (r = 'a' AND prev = 'c')),
w AS (
  SELECT interaction_id, r, lead("at") OVER x AS close_at, "at" AS open_at, lead(agent) OVER x AS by_agent,
         row_number() OVER x AS k
  FROM b WINDOW x AS (PARTITION BY interaction_id ORDER BY "at", rn)),
waits AS (
  SELECT interaction_id, count(*) AS rounds, count(close_at) AS n_waits,
         list(epoch(close_at - open_at)) FILTER (WHERE close_at IS NOT NULL) AS waits,
         count(*) FILTER (WHERE epoch(close_at - open_at) <= 180) AS within,
         any_value(epoch(close_at - open_at)) FILTER (WHERE k = 1) AS frt,
         any_value(by_agent) FILTER (WHERE k = 1) AS agent
  FROM w WHERE r = 'c' GROUP BY interaction_id),
st AS (
  SELECT interaction_id, min("at") AS created_at,
         arg_min(channel, rn) FILTER (WHERE channel IS NOT NULL) AS channel,
         max("at") FILTER (WHERE status = 'solved') AS solved_at,
         arg_max(status, rn) FILTER (WHERE kind = 'status') AS last_status,
         arg_max(try_cast(text AS DOUBLE), rn) FILTER (WHERE kind = 'rating') AS csat
  FROM e GROUP BY interaction_id)
SELECT st.interaction_id, created_at, channel, waits.agent, frt, rounds, n_waits, waits, within,
       CASE WHEN solved_at IS NOT NULL AND last_status IN ('solved', 'closed') THEN epoch(solved_at - created_at) END AS res,
       csat
FROM st LEFT JOIN waits USING (interaction_id)`);
const reader = await con.runAndReadAll(`
WITH g AS (
  SELECT agent, strftime(created_at, '%Y-%m-%d') AS day, count(*) AS interactions, count(frt) AS answered,
         avg(frt) AS frt_mean, quantile_cont(frt, 0.5) AS frt_median, quantile_cont(frt, 0.9) AS frt_p90,
         avg(res) AS res_mean, quantile_cont(res, 0.5) AS res_median, count(res) AS resolved,
         avg(csat) AS csat_mean, sum(rounds) AS rounds, sum(within) AS within
  FROM per GROUP BY ALL),
r AS (
  SELECT agent, strftime(created_at, '%Y-%m-%d') AS day, count(wait) AS waits, avg(wait) AS reply_time_mean,
         quantile_cont(wait, 0.5) AS reply_time_median, quantile_cont(wait, 0.9) AS reply_time_p90
  FROM (SELECT agent, created_at, unnest(waits) AS wait FROM per) GROUP BY ALL)
SELECT * FROM g LEFT JOIN r USING (agent, day) ORDER BY agent, day`);
const rows = reader.getRowObjects();
const sum = (k) => rows.reduce((a, x) => a + Number(x[k] ?? 0), 0);
console.log(`duckdb events: ${rows.length} groups, ${((Date.now() - t0) / 1000).toFixed(2)} s (threads=${threads}); ` +
            `interactions ${sum('interactions')}, answered ${sum('answered')}, waits ${sum('waits')}, ` +
            `rounds ${sum('rounds')}, resolved ${sum('resolved')}`);
