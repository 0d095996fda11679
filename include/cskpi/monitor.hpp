#pragma once
// Live monitoring (spec section 17): a thread-safe monitor fed one event at a time, sliding
// windows, alerts with hysteresis, and JSON / Prometheus snapshots.
#include "monitor/alerts.hpp"
#include "monitor/exposition.hpp"
#include "monitor/monitor.hpp"
#include "monitor/options.hpp"
#include "monitor/sketch.hpp"
#include "monitor/snapshot.hpp"
#include "monitor/window.hpp"
