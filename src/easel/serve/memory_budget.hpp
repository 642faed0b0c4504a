#pragma once
// Memory for edits in progress. An edit needs many times its input's encoded size (a 155 KB PNG of
// 6320×6320 decodes to 160 MB of RGBA, and its edit peaks near 0.8 GB), so edits are admitted against a
// budget by an estimate made from the images' headers: one that does not fit waits until running ones
// release enough. The first always runs, however large, so nothing waits forever.
//
// Releasing a large reservation also hands the freed memory back to the system: glibc keeps freed
// heap memory in its per-thread arenas for reuse, so without it the server stayed at its peak after a
// burst of large edits.
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>

#include "easel/serve/edit_request.hpp"

namespace easel::serve {

class MemoryBudget {
 public:
  explicit MemoryBudget(std::size_t bytes);

  class Reservation {
   public:
    Reservation() = default;
    Reservation(MemoryBudget* budget, std::size_t bytes) : budget_(budget), bytes_(bytes) {}
    Reservation(Reservation&& other) noexcept : budget_(other.budget_), bytes_(other.bytes_) {
      other.budget_ = nullptr;
    }
    Reservation& operator=(Reservation&&) = delete;
    Reservation(const Reservation&) = delete;
    ~Reservation();

   private:
    MemoryBudget* budget_ = nullptr;
    std::size_t bytes_ = 0;
  };

  // Waits until `bytes` fit beside the running work (or nothing else runs), calling `check` (which may
  // throw to give up, e.g. a cancelled job) every 100 ms while it waits.
  Reservation reserve(std::size_t bytes, const std::function<void()>& check = {});
  std::size_t capacity() const { return capacity_; }

 private:
  void release(std::size_t bytes);

  std::size_t capacity_;
  std::mutex mutex_;
  std::condition_variable released_;
  std::size_t used_ = 0;
  std::size_t holders_ = 0;
};

// The memory an edit is expected to need at its peak, from its images' headers and its output size.
std::size_t edit_memory_estimate(const EditRequest& request);

// Gives freed heap memory back to the system (glibc's malloc_trim).
void return_free_memory();

}  // namespace easel::serve
