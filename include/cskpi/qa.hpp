#pragma once
// Quality inspection (spec section 10): rubric -> reviews -> scores and calibration; automatic
// transcript checks feed the same reviews; QA scores join onto the KPI report by agent.
#include "qa/rubric.hpp"
#include "qa/reviews.hpp"
#include "qa/scores.hpp"
#include "qa/agreement.hpp"
#include "qa/calibration.hpp"
#include "qa/auto_checks.hpp"
#include "qa/join.hpp"
#include "qa/load.hpp"
#include "qa/review_rows.hpp"
