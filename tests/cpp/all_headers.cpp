// Every public header in one translation unit, compiled by the tests with clang as well as the
// build's compiler: users and the fuzzers build cskpi with either. The analysis and report
// outputs are not in the umbrella header (the workbook needs libxlsxwriter), so they are named
// here.
#include <cskpi/analysis/compare.hpp>
#include <cskpi/analysis/drivers.hpp>
#include <cskpi/analysis/event_facts.hpp>
#include <cskpi/analysis/facts.hpp>
#include <cskpi/analysis/loyalty.hpp>
#include <cskpi/analysis/orders.hpp>
#include <cskpi/analysis/pareto.hpp>
#include <cskpi/analysis/presale.hpp>
#include <cskpi/analysis/reconcile.hpp>
#include <cskpi/analysis/survey.hpp>
#include <cskpi/analysis/targets_run.hpp>
#include <cskpi/cskpi.hpp>
#include <cskpi/monitor.hpp>
#include <cskpi/monitor/http.hpp>
#include <cskpi/report/html.hpp>
#include <cskpi/report/xlsx.hpp>

int main() {
    return 0;
}
