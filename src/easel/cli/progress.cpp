#include "easel/cli/progress.hpp"

#include <cstdio>
#include <unistd.h>

namespace easel::cli {

ProgressLine::ProgressLine() : started_(std::chrono::steady_clock::now()), terminal_(::isatty(STDERR_FILENO) != 0) {}

ProgressLine::~ProgressLine() {
  if (printed_ && terminal_) std::fputc('\n', stderr);
}

void ProgressLine::step(std::size_t index, std::size_t count, const std::string& what) {
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  if (seconds < 1.0) return;
  const int width = 20;
  const auto filled = static_cast<int>(width * index / (count == 0 ? 1 : count));
  std::string bar(static_cast<std::size_t>(filled), '#');
  bar.resize(width, '.');
  std::fprintf(stderr, "%seasel: [%s] step %zu/%zu %s (%.1f s)%s", terminal_ ? "\r\033[K" : "", bar.c_str(), index + 1,
               count, what.c_str(), seconds, terminal_ ? "" : "\n");
  std::fflush(stderr);
  printed_ = true;
}

}  // namespace easel::cli
