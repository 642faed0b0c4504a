#pragma once
// A progress line on stderr for work that runs longer than a second; quiet for quick commands.
#include <chrono>
#include <cstddef>
#include <string>

namespace easel::cli {

class ProgressLine {
 public:
  ProgressLine();
  ~ProgressLine();
  ProgressLine(const ProgressLine&) = delete;
  ProgressLine& operator=(const ProgressLine&) = delete;

  // Reports that step `index` (from 0) of `count` named `what` starts now.
  void step(std::size_t index, std::size_t count, const std::string& what);

 private:
  std::chrono::steady_clock::time_point started_;
  bool terminal_;
  bool printed_ = false;
};

}  // namespace easel::cli
