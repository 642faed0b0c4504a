#pragma once
// A fixed pool of workers (work is bounded by the cores, never by the number of clients) fed by a
// bounded queue: a submission that does not fit is refused at once, and the HTTP layer answers 429 with
// a retry-after estimated from recent task durations.
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace easel::serve {

struct Task {
  std::function<void()> run;
  // Called instead of `run` for a task still waiting when the queue shuts down.
  std::function<void()> abandon;
};

class WorkQueue {
 public:
  WorkQueue(std::size_t workers, std::size_t capacity);
  ~WorkQueue();
  WorkQueue(const WorkQueue&) = delete;
  WorkQueue& operator=(const WorkQueue&) = delete;

  // Queues every task or none: false when they do not all fit (or the queue is shutting down).
  bool try_submit(std::vector<Task> tasks);
  // Queues beyond the bound (work the store already accepted, resumed after a restart).
  void submit_resumed(Task task);
  // Seconds after which a refused client may find room: pending tasks × mean task time ÷ workers, ≥ 1.
  int retry_after_seconds() const;
  std::size_t pending() const;
  // Stops taking tasks, abandons the waiting ones and waits for the running ones to finish.
  void shutdown();

 private:
  void work();

  std::size_t capacity_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Task> pending_;
  bool closing_ = false;
  double mean_task_seconds_ = 1.0;
  std::vector<std::thread> workers_;
};

}  // namespace easel::serve
