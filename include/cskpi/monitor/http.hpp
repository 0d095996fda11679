#pragma once
// Serving a monitor over HTTP with cpp-httplib (Debian libcpp-httplib-dev; link cskpi::http):
// GET /metrics (Prometheus text format), /snapshot (JSON), /alerts (the latest alert events).
// Alert rules are judged once a second by a ticker thread, whether or not anyone scrapes.
#include <httplib.h>
// <resolv.h>, which httplib.h includes, defines the macro _res; Eigen names parameters _res.
#ifdef _res
#undef _res
#endif

#include <atomic>
#include <chrono>
#include <deque>
#include <mutex>
#include <string>
#include <thread>

#include "exposition.hpp"
#include "monitor.hpp"

namespace cskpi::live {

/// An HTTP endpoint for one monitor. Construct, call listen() (blocks until stop()).
class http_endpoint {
public:
    explicit http_endpoint(monitor& m, std::size_t keep_alerts = 1000) : m_(m), keep_(keep_alerts) {
        m_.on_alert([this](const alert_event& e) {
            std::lock_guard lock(alerts_m_);
            alerts_.push_back(to_json(e));
            if (alerts_.size() > keep_) alerts_.pop_front();
            if (on_alert_) on_alert_(e);
        });
        server_.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
            res.set_content(to_prometheus(m_.take_snapshot()),
                            "text/plain; version=0.0.4; charset=utf-8");
        });
        server_.Get("/snapshot", [this](const httplib::Request&, httplib::Response& res) {
            res.set_content(to_json(m_.take_snapshot()).dump(), "application/json");
        });
        server_.Get("/alerts", [this](const httplib::Request&, httplib::Response& res) {
            std::lock_guard lock(alerts_m_);
            res.set_content(
                nlohmann::json(std::vector<nlohmann::json>(alerts_.begin(), alerts_.end())).dump(),
                "application/json");
        });
    }
    ~http_endpoint() { stop(); }

    /// Also called with each alert event (from the ticker or a request's thread).
    void on_alert(std::function<void(const alert_event&)> f) { on_alert_ = std::move(f); }

    /// Binds `host`; port 0 picks a free one. Returns the port, or -1 when it cannot bind.
    int bind(const std::string& host, int port) {
        port_ = port == 0 ? server_.bind_to_any_port(host)
                          : (server_.bind_to_port(host, port) ? port : -1);
        return port_;
    }
    /// Serves until stop(); judges alerts every `tick`. Returns at once when stop() came first.
    void listen(std::chrono::milliseconds tick = std::chrono::seconds(1)) {
        {
            std::lock_guard lock(tick_m_);
            if (stopping_) return;
            serving_ = true;
        }
        ticker_ = std::thread([this, tick] {
            std::unique_lock lock(tick_m_);
            while (!stopping_) {
                tick_cv_.wait_for(lock, tick, [this] { return stopping_.load(); });
                if (!stopping_) m_.take_snapshot();
            }
        });
        server_.listen_after_bind();
        std::lock_guard lock(tick_m_);
        serving_ = false;
    }
    /// Stops serving; any thread, any number of times (a signal, a timer and the destructor may
    /// all call it).
    void stop() {
        std::lock_guard once(stop_m_);
        bool serving;
        {
            std::lock_guard lock(tick_m_);
            stopping_ = true;
            serving = serving_;
        }
        tick_cv_.notify_all();
        if (serving) {
            // The server ignores stop() until its accept loop runs: wait for it, or for listen() to
            // give up.
            while (!server_.is_running()) {
                {
                    std::lock_guard lock(tick_m_);
                    if (!serving_) break;
                }
                std::this_thread::sleep_for(std::chrono::milliseconds(1));
            }
            server_.stop();
        }
        if (ticker_.joinable()) ticker_.join();
    }
    int port() const { return port_; }

private:
    monitor& m_;
    std::size_t keep_;
    httplib::Server server_;
    std::mutex alerts_m_;
    std::deque<nlohmann::json> alerts_;
    std::function<void(const alert_event&)> on_alert_;
    std::thread ticker_;
    std::mutex tick_m_;
    std::condition_variable tick_cv_;
    std::atomic<bool> stopping_{false};
    bool serving_ = false;  ///< inside listen(); guarded by tick_m_
    std::mutex stop_m_;
    int port_ = -1;
};

}  // namespace cskpi::live
