// Prometheus text exposition for node_exporter's textfile collector: building
// the text, reading the previous file back (the only state between runs),
// and replacing the file atomically.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace jobsync {

// The file as last written: sample values keyed by `name{labels}` exactly as
// written, and its lines. The file is the only state between runs: counters
// continue from it and the last success time survives a failed run.
// Deleting it is a counter reset.
struct PreviousMetrics {
    std::map<std::string, double> samples;
    std::vector<std::string> lines;
};

// An absent or unreadable file reads as empty.
PreviousMetrics read_previous_metrics(const std::string& path);

// `name="value"`, the value escaped as the text format requires.
std::string metric_label(const char* name, const std::string& value);

class Exposition {
public:
    explicit Exposition(const PreviousMetrics& previous) : previous_(previous) {}

    void family(const std::string& name, const char* type, const char* help);
    void gauge(const std::string& key, double value) { line(key, value); }
    // A counter: this run's amount added to the previous file's value.
    void counter(const std::string& key, double amount);
    std::optional<double> previous(const std::string& key) const;
    const std::map<std::string, double>& previous_samples() const { return previous_.samples; }
    // Copies the previous file's lines (help, type, samples) of the
    // families `wanted` says yes to, as they were.
    void keep_previous(const std::function<bool(const std::string& family)>& wanted);
    // Lines already in the text format.
    void raw(const std::string& lines) { text_ += lines; }
    const std::string& text() const { return text_; }

private:
    void line(const std::string& key, double value);

    const PreviousMetrics& previous_;
    std::string text_;
};

// Writes text to path through a temporary file in the same directory and
// rename(), mode 0644. Throws RunError naming the path.
void write_metrics_text(const std::string& path, const std::string& text);

} // namespace jobsync
