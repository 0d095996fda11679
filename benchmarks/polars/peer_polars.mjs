// The equal-work peer in Polars (nodejs-polars): the same metrics as peer_duckdb_equal.mjs
// (benchmarks/EQUAL_WORK.md), from the CSV, written as CSV with the overall row first.
// Threads: POLARS_MAX_THREADS. Usage: node peer_polars.mjs DATA.csv BY [OUT.csv]
import pl from 'nodejs-polars';

const [data, by = 'agent,channel,day', out = '/dev/null'] = process.argv.slice(2);
const keys = by.split(',');
const z = 1.959963984540054; // confidence 0.95
const windowS = 604800; // fcr.window_s
const fmt = '%Y-%m-%d %H:%M:%S';
const col = pl.col;
// Instants as epoch milliseconds: durations are plain differences.
const ts = (c) => col(c).str.strptime(pl.Datetime('ms'), fmt).dt.timestamp('ms');
const secs = (a, b) => a.sub(b).cast(pl.Float64).div(1000);
const count = (cond) => cond.cast(pl.UInt32).sum();

// A rate's five columns from boolean expressions for its numerator and denominator (null: every
// row of the group).
const rate = (name, num, den) => {
  const dc = den === null ? pl.len().cast(pl.UInt32) : count(den);
  const n = count(num).cast(pl.Float64);
  const d = dc.cast(pl.Float64);
  const p = n.div(d);
  const wilson = (s) =>
    pl.when(d.gt(0)).then(
      p.add(d.pow(-1).mul(z * z / 2))
        .add(p.mul(pl.lit(1).sub(p)).div(d).add(d.pow(-2).mul(z * z / 4)).pow(0.5).mul(s * z))
        .div(d.pow(-1).mul(z * z).add(1))).otherwise(pl.lit(null));
  return [count(num).alias(`${name}_num`), dc.alias(`${name}_den`),
    pl.when(d.gt(0)).then(p).otherwise(pl.lit(null)).alias(name), wilson(-1).alias(`${name}_ci_low`),
    wilson(1).alias(`${name}_ci_high`)];
};

const t0 = Date.now();
const text = ['id', 'created_at', 'channel', 'agent', 'team', 'customer', 'category', 'priority',
  'first_response_at', 'resolved_at'];
const dtypes = Object.fromEntries(text.map((c) => [c, pl.Utf8]));
// Neighbours in (customer, category, created_at, id) order: the previous and next rows, when
// they are of the same customer and category.
const same = (k) => col('customer').eq(col('customer').shift(k))
  .and(col('category').eq(col('category').shift(k)));
const near = (k) => same(k).and(col('at').sub(col('at').shift(k)).abs().ltEq(windowS * 1000));
const t = pl.scanCSV(data, { dtypes })
  .select(
    ...keys.map((k) => (k === 'day' ? col('created_at').str.slice(0, 10).alias('day') : col(k))),
    col('id'), col('customer'), col('category'), ts('created_at').alias('at'),
    secs(ts('first_response_at'), ts('created_at')).alias('frt'),
    secs(ts('resolved_at'), ts('created_at')).alias('res'),
    col('handle_s').cast(pl.Float64).alias('handle_s'),
    col('abandoned').eq(1).alias('ab'), col('resolved_at').isNotNull().alias('rs'),
    col('reopened').gt(0).alias('ro'), col('transferred').eq(1).alias('tr'),
    col('complaint').eq(1).alias('co'), col('refund').eq(1).alias('rf'),
    col('csat').cast(pl.Float64).alias('csat'),
    pl.when(col('priority').eq(pl.lit('urgent'))).then(pl.lit(60))
      .when(col('channel').eq(pl.lit('chat'))).then(pl.lit(30))
      .when(col('channel').eq(pl.lit('phone'))).then(pl.lit(20))
      .when(col('channel').eq(pl.lit('social'))).then(pl.lit(3600))
      .when(col('channel').eq(pl.lit('email'))).then(pl.lit(86400))
      .otherwise(pl.lit(null)).cast(pl.Float64).alias('target'))
  .sort(['customer', 'category', 'at', 'id'])
  .withColumns(
    col('customer').isNull().or(near(1).fillNull(false).not()).alias('first'),
    col('customer').isNull().or(near(-1).fillNull(false).not()).alias('no_return'))
  .collectSync();

const answered = col('frt').isNotNull();
const aggs = [
  pl.len().cast(pl.UInt32).alias('interactions'), count(answered).alias('answered'),
  count(col('ab')).alias('abandoned'), count(col('rs')).alias('resolved'),
  ...rate('answer_rate', answered, null), ...rate('abandonment_rate', col('ab'), null),
  col('frt').mean().alias('frt_mean'), col('frt').quantile(0.5, 'linear').alias('frt_median'),
  col('frt').quantile(0.9, 'linear').alias('frt_p90'),
  col('frt').quantile(0.95, 'linear').alias('frt_p95'), col('frt').max().alias('frt_max'),
  ...rate('sla_frt', col('frt').ltEq(col('target')), col('target').isNotNull()),
  col('handle_s').mean().alias('aht_mean'), col('handle_s').quantile(0.5, 'linear').alias('aht_median'),
  col('res').mean().alias('resolution_time_mean'),
  col('res').quantile(0.5, 'linear').alias('resolution_time_median'),
  col('res').quantile(0.9, 'linear').alias('resolution_time_p90'),
  ...rate('resolution_rate', col('rs').and(col('ab').not()), col('ab').not()),
  ...rate('fcr_rate',
    col('first').and(col('ab').not()).and(col('rs')).and(col('ro').not()).and(col('no_return')),
    col('first').and(col('ab').not())),
  ...rate('reopen_rate', col('rs').and(col('ro')), col('rs')),
  ...rate('transfer_rate', answered.and(col('tr')), answered),
  ...rate('csat', col('csat').gtEq(4), col('csat').isNotNull()),
  col('csat').mean().alias('csat_mean'), count(col('csat').isNotNull()).alias('csat_responses'),
  ...rate('complaint_rate', col('co'), null), ...rate('refund_rate', col('rf'), null),
];
const groups = t.lazy().groupBy(keys).agg(...aggs)
  .sort(keys, false, true).collectSync();
const overall = t.lazy().select(...keys.map((k) => pl.lit(null).cast(pl.Utf8).alias(k)), ...aggs)
  .collectSync();
pl.concat([overall, groups], { how: 'vertical' }).writeCSV(out);
console.log(`polars equal work: ${groups.height} groups, ${((Date.now() - t0) / 1000).toFixed(2)} s`);
