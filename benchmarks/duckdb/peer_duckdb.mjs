// The benchmark job in DuckDB (@duckdb/node-api): the same KPIs by agent x channel x day from
// the CSV, exact quantiles (quantile_cont). Usage: node peer_duckdb.mjs DATA.csv THREADS [BY]
import { DuckDBInstance } from '@duckdb/node-api';

const [data, threads = '2', by = 'agent,channel,day'] = process.argv.slice(2);
const keys = by.split(',').map((k) => (k === 'day' ? "strftime(created_at, '%Y-%m-%d') AS day" : k));
const groupCols = by.split(',').join(', ');
const t0 = Date.now();
const db = await DuckDBInstance.create(':memory:', { threads });
const con = await db.connect();
const sql = `
WITH t AS (
  SELECT *, epoch(first_response_at - created_at) AS frt, epoch(resolved_at - created_at) AS res,
         CASE WHEN priority = 'urgent' THEN 60 ELSE CASE channel WHEN 'chat' THEN 30 WHEN 'phone' THEN 20
              WHEN 'social' THEN 3600 WHEN 'email' THEN 86400 END END AS target
  FROM read_csv('${data}', header = true, timestampformat = '%Y-%m-%d %H:%M:%S'))
SELECT ${keys.join(', ')}, count(*) AS interactions, count(frt) AS answered, sum(abandoned) AS abandoned,
       avg(frt) AS frt_mean, quantile_cont(frt, 0.5) AS frt_median, quantile_cont(frt, 0.9) AS frt_p90,
       quantile_cont(frt, 0.95) AS frt_p95, max(frt) AS frt_max,
       count(*) FILTER (WHERE frt <= target AND abandoned = 0) AS sla_num, count(target) AS sla_den,
       avg(handle_s) AS aht_mean, quantile_cont(handle_s, 0.5) AS aht_median,
       avg(res) AS res_mean, quantile_cont(res, 0.5) AS res_median, quantile_cont(res, 0.9) AS res_p90,
       count(*) FILTER (WHERE res IS NOT NULL AND abandoned = 0) AS resolution_num,
       count(*) FILTER (WHERE abandoned = 0) AS resolution_den,
       count(*) FILTER (WHERE csat >= 4) AS csat_num, count(csat) AS csat_den, avg(csat) AS csat_mean,
       sum(complaint) AS complaint, sum(refund) AS refund
FROM t GROUP BY ${groupCols} ORDER BY ${groupCols}`;
const reader = await con.runAndReadAll(sql);
const rows = reader.getRows();
console.log(`duckdb: ${rows.length} groups, ${((Date.now() - t0) / 1000).toFixed(2)} s (threads=${threads})`);
