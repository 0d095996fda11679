# Shared by the benchmark scripts (sourced): measure a run, print a job's row.
# The caller sets $rows (for bytes per row).
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
