# Shared by the benchmark scripts (sourced): measure a run, print a job's row.
# The caller sets $rows (for bytes per row), $repeat and $have_duckdb.
declare -A walls peaks
measure() {  # name, command...: adds one run's wall seconds and peak KB to the job's lists
    local name=$1; shift
    /usr/bin/time -f "%e %M" "$@" >/dev/null 2>/tmp/cskpi_bench_err
    read -r secs kb <<<"$(tail -1 /tmp/cskpi_bench_err)"
    walls[$name]="${walls[$name]:-} $secs"
    peaks[$name]=$(( ${peaks[$name]:-0} > kb ? ${peaks[$name]:-0} : kb ))
}
row() {  # name: median wall, every run, largest peak
    local name=$1
    local median; median=$(tr ' ' '\n' <<<"${walls[$name]}" | grep . | sort -n |
        awk '{v[NR] = $1} END {print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}')
    local kb=${peaks[$name]}
    printf "| %-48s | %8.2f s | %-20s | %6.0f MB | %5.1f B/row |\n" "$name" "$median" "$(echo ${walls[$name]})" \
        "$((kb / 1024))" "$(echo "$kb * 1024 / $rows" | bc -l)"
}
grouping_vs_duckdb() {  # by, data, cfg: cskpi and DuckDB at 1 and 2 threads, $repeat runs alternating, then their rows
    local by=$1 data=$2 cfg=$3 t
    for t in 1 2; do
        for _ in $(seq "$repeat"); do
            measure "cskpi $by threads=$t" build/cskpi report "$data" --config "$cfg" --by "$by" --format csv --threads "$t"
            [ "$have_duckdb" = 1 ] && measure "duckdb $by threads=$t" node benchmarks/duckdb/peer_duckdb.mjs "$data" "$t" "$by"
        done
    done
    for t in 1 2; do row "cskpi $by threads=$t"; done
    if [ "$have_duckdb" = 1 ]; then for t in 1 2; do row "duckdb $by threads=$t"; done; fi
    return 0
}
