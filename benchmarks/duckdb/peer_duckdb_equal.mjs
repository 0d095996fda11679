// The equal-work peer in DuckDB (@duckdb/node-api): from the CSV, the same metrics cskpi
// reports for them (benchmarks/EQUAL_WORK.md): counts, exact type-7 quantiles (quantile_cont),
// the SLA rule of spec section 3, first contact and FCR over the customer window (ties by id),
// ten rates each with numerator, denominator and Wilson interval, and the overall row; written
// as CSV. Usage: node peer_duckdb_equal.mjs DATA.csv THREADS BY [OUT.csv]
import { DuckDBInstance } from '@duckdb/node-api';

const [data, threads = '2', by = 'agent,channel,day', out = '/dev/null'] = process.argv.slice(2);
const keys = by.split(',');
const keyExpr = { day: "strftime(created_at, '%Y-%m-%d') AS day" };
const z = 1.959963984540054; // confidence 0.95
const windowS = 604800; // fcr.window_s

// A rate's five columns from boolean expressions for its numerator and denominator.
const rate = (name, num, den) => {
  const n = `count(*) FILTER (WHERE ${num})`;
  const d = `count(*) FILTER (WHERE ${den})`;
  return `${n} AS ${name}_num, ${d} AS ${name}_den,
    CASE WHEN ${d} > 0 THEN ${n} / ${d} END AS ${name},
    wilson(${n}, ${d}, -1) AS ${name}_ci_low, wilson(${n}, ${d}, 1) AS ${name}_ci_high`;
};
const t0 = Date.now();
const db = await DuckDBInstance.create(':memory:', { threads });
const con = await db.connect();
await con.run(`CREATE MACRO wilson(n, d, s) AS CASE WHEN d > 0 THEN
  ((n / d) + ${z * z} / (2 * d) + s * ${z} * sqrt((n / d) * (1 - n / d) / d + ${z * z} / (4 * d * d)))
  / (1 + ${z * z} / d) END`);
const sql = `
WITH raw AS (
  SELECT * FROM read_csv('${data}', header = true, timestampformat = '%Y-%m-%d %H:%M:%S')),
t AS (
  SELECT ${keys.map((k) => keyExpr[k] ?? k).join(', ')},
         epoch(first_response_at - created_at) AS frt, epoch(resolved_at - created_at) AS res,
         handle_s, abandoned = 1 AS ab, resolved_at IS NOT NULL AS rs, reopened > 0 AS ro,
         transferred = 1 AS tr, complaint = 1 AS co, refund = 1 AS rf, csat,
         CASE WHEN priority = 'urgent' THEN 60 ELSE CASE channel WHEN 'chat' THEN 30 WHEN 'phone' THEN 20
              WHEN 'social' THEN 3600 WHEN 'email' THEN 86400 END END AS target,
         customer IS NULL OR lag(created_at) OVER w IS NULL
           OR epoch(created_at - lag(created_at) OVER w) > ${windowS} AS first_contact,
         customer IS NULL OR lead(created_at) OVER w IS NULL
           OR epoch(lead(created_at) OVER w - created_at) > ${windowS} AS no_return
  FROM raw WINDOW w AS (PARTITION BY customer, category ORDER BY created_at, id))
SELECT ${keys.join(', ')}, count(*) AS interactions, count(frt) AS answered,
       count(*) FILTER (WHERE ab) AS abandoned, count(*) FILTER (WHERE rs) AS resolved,
       ${rate('answer_rate', 'frt IS NOT NULL', 'true')},
       ${rate('abandonment_rate', 'ab', 'true')},
       avg(frt) AS frt_mean, quantile_cont(frt, 0.5) AS frt_median, quantile_cont(frt, 0.9) AS frt_p90,
       quantile_cont(frt, 0.95) AS frt_p95, max(frt) AS frt_max,
       ${rate('sla_frt', 'frt <= target', 'target IS NOT NULL')},
       avg(handle_s) AS aht_mean, quantile_cont(handle_s, 0.5) AS aht_median,
       avg(res) AS resolution_time_mean, quantile_cont(res, 0.5) AS resolution_time_median,
       quantile_cont(res, 0.9) AS resolution_time_p90,
       ${rate('resolution_rate', 'rs AND NOT ab', 'NOT ab')},
       ${rate('fcr_rate', 'first_contact AND NOT ab AND rs AND NOT ro AND no_return', 'first_contact AND NOT ab')},
       ${rate('reopen_rate', 'rs AND ro', 'rs')},
       ${rate('transfer_rate', 'frt IS NOT NULL AND tr', 'frt IS NOT NULL')},
       ${rate('csat', 'csat >= 4', 'csat IS NOT NULL')},
       avg(csat) AS csat_mean, count(csat) AS csat_responses,
       ${rate('complaint_rate', 'co', 'true')},
       ${rate('refund_rate', 'rf', 'true')}
FROM t GROUP BY GROUPING SETS ((${keys.join(', ')}), ())
ORDER BY GROUPING(${keys.join(', ')}) DESC, ${keys.map((k) => `${k} NULLS LAST`).join(', ')}`;
await con.run(`COPY (${sql}) TO '${out}' (HEADER, DELIMITER ',')`);
console.log(`duckdb equal work: ${((Date.now() - t0) / 1000).toFixed(2)} s (threads=${threads})`);
