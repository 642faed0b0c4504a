#include "easel/serve/work_queue.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>

namespace easel::serve {

WorkQueue::WorkQueue(std::size_t workers, std::size_t capacity) : capacity_(capacity) {
  for (std::size_t i = 0; i < std::max<std::size_t>(workers, 1); ++i) workers_.emplace_back([this] { work(); });
}

WorkQueue::~WorkQueue() { shutdown(); }

bool WorkQueue::try_submit(std::vector<Task> tasks) {
  {
    std::lock_guard lock(mutex_);
    if (closing_ || pending_.size() + tasks.size() > capacity_) return false;
    for (auto& task : tasks) pending_.push_back(std::move(task));
  }
  wake_.notify_all();
  return true;
}

void WorkQueue::submit_resumed(Task task) {
  {
    std::lock_guard lock(mutex_);
    if (closing_) return;
    pending_.push_back(std::move(task));
  }
  wake_.notify_one();
}

int WorkQueue::retry_after_seconds() const {
  std::lock_guard lock(mutex_);
  const double seconds =
      static_cast<double>(pending_.size()) * mean_task_seconds_ / static_cast<double>(workers_.size());
  return std::max(1, static_cast<int>(std::ceil(seconds)));
}

std::size_t WorkQueue::pending() const {
  std::lock_guard lock(mutex_);
  return pending_.size();
}

void WorkQueue::shutdown() {
  std::deque<Task> abandoned;
  {
    std::lock_guard lock(mutex_);
    closing_ = true;
    abandoned.swap(pending_);
  }
  wake_.notify_all();
  for (auto& task : abandoned) {
    if (task.abandon) task.abandon();
  }
  for (auto& worker : workers_) {
    if (worker.joinable() && worker.get_id() != std::this_thread::get_id()) worker.join();
  }
}

void WorkQueue::work() {
  for (;;) {
    Task task;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return closing_ || !pending_.empty(); });
      if (closing_) return;
      task = std::move(pending_.front());
      pending_.pop_front();
    }
    const auto start = std::chrono::steady_clock::now();
    task.run();
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::lock_guard lock(mutex_);
    mean_task_seconds_ = 0.8 * mean_task_seconds_ + 0.2 * seconds;
  }
}

}  // namespace easel::serve
