#pragma once
// Conversation timelines (spec section 11): event log -> derived interactions -> the same
// metric engine, plus reply-time, round and session metrics; business-hours calendars.
#include "timeline/calendar.hpp"
#include "timeline/derive.hpp"
#include "timeline/events.hpp"
#include "timeline/presence.hpp"
