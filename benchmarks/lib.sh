# Shared by the benchmark scripts (sourced): measure a run, print a job's row.
# The caller sets $rows (for bytes per row) and $repeat. PEERS (default "duckdb polars") picks
# the npm peers to run; each runs only when installed (npm install in benchmarks/<peer>).
peers=" ${PEERS:-duckdb polars} "
have_duckdb=0; [[ $peers == *" duckdb "* && -d benchmarks/duckdb/node_modules ]] && have_duckdb=1
have_polars=0; [[ $peers == *" polars "* && -d benchmarks/polars/node_modules ]] && have_polars=1
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
grouping_vs_peers() {  # by, data, cfg: cskpi, DuckDB and Polars (each when installed) at 1 and 2 threads, $repeat runs alternating, then their rows
    local by=$1 data=$2 cfg=$3 t
    for t in 1 2; do
        for _ in $(seq "$repeat"); do
            measure "cskpi $by threads=$t" build/cskpi report "$data" --config "$cfg" --by "$by" --format csv --threads "$t"
            [ "$have_duckdb" = 1 ] && measure "duckdb $by threads=$t" node benchmarks/duckdb/peer_duckdb_equal.mjs "$data" "$t" "$by"
            [ "$have_polars" = 1 ] && measure "polars $by threads=$t" env POLARS_MAX_THREADS="$t" node benchmarks/polars/peer_polars.mjs "$data" "$by"
        done
    done
    for t in 1 2; do row "cskpi $by threads=$t"; done
    if [ "$have_duckdb" = 1 ]; then for t in 1 2; do row "duckdb $by threads=$t"; done; fi
    if [ "$have_polars" = 1 ]; then for t in 1 2; do row "polars $by threads=$t"; done; fi
    return 0
}
pandas_beside_cskpi() {  # by, data, cfg: pandas once (minutes), cskpi at 1 thread just before and after it
    local by=$1 data=$2 cfg=$3
    local cskpi1=(build/cskpi report "$data" --config "$cfg" --by "$by" --format csv --threads 1)
    measure "cskpi $by threads=1 beside pandas" "${cskpi1[@]}"
    measure "pandas $by" /usr/bin/python3 benchmarks/peer_pandas.py "$data" --by "$by"
    measure "cskpi $by threads=1 beside pandas" "${cskpi1[@]}"
    row "cskpi $by threads=1 beside pandas"
    row "pandas $by"
}
median_of() {  # name: the median wall seconds of a measured job
    row "$1" | awk -F'|' '{print $3}' | tr -dc '0-9.'
}
ratios() {  # by: each peer's median over cskpi's, at 1 and 2 threads (pandas: 1 thread, beside it)
    local by=$1 t peer
    for peer in duckdb polars; do
        [ -n "${walls["$peer $by threads=1"]:-}" ] || continue
        for t in 1 2; do
            printf "%s / cskpi, %s, %s thread(s): %.2fx (medians)\n" "$peer" "$by" "$t" \
                "$(echo "$(median_of "$peer $by threads=$t") / $(median_of "cskpi $by threads=$t")" | bc -l)"
        done
    done
    if [ -n "${walls["pandas $by"]:-}" ]; then
        printf "pandas / cskpi, %s: %.1fx (1 thread, runs beside pandas)\n" "$by" \
            "$(echo "$(median_of "pandas $by") / $(median_of "cskpi $by threads=1 beside pandas")" | bc -l)"
    fi
}
