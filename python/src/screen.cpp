// screen: a screening job (workflows/screen/screen.h) run from Python. The job runs on a
// thread of its own while the calling thread waits with the GIL released, hands each progress
// status to the Python callback, and turns Ctrl-C (or an exception raised by the callback)
// into a cancel that keeps the finished parts for resume=True.
#include <pybind11/stl.h>

#include <chrono>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <optional>
#include <thread>

#include "bindings.h"
#include "workflows/results/results_store.h"
#include "workflows/screen/domain_summary.h"
#include "workflows/screen/screen.h"

namespace py = pybind11;

namespace molsieve::python {
namespace {

py::dict status_dict(const workflows::ScreenStatus& s) {
  py::dict d;
  d["rows_read"] = s.rows_read;
  d["rows_featurized"] = s.rows_featurized;
  d["rows_scored"] = s.rows_scored;
  d["rows_written"] = s.rows_written;
  d["rows_total"] = s.rows_total;
  d["chunks_resumed"] = s.chunks_resumed;
  d["bytes_done"] = s.bytes_done;
  d["bytes_total"] = s.bytes_total;
  return d;
}

py::dict report_dict(const workflows::ScreenReport& r) {
  py::dict d;
  d["rows"] = r.rows;
  d["valid"] = r.valid;
  d["passed_filters"] = r.passed_filters;
  d["scored"] = r.scored;
  d["selected"] = r.selected;
  d["chunks"] = r.chunks;
  d["chunks_resumed"] = r.chunks_resumed;
  d["device"] = r.device;
  d["seconds"] = r.seconds;
  d["already_complete"] = r.already_complete;
  d["warnings"] = py::cast(r.warnings);
  return d;
}

// What the job thread shares with the waiting thread.
struct Run {
  std::mutex mutex;
  std::condition_variable changed;
  std::optional<workflows::ScreenStatus> status;  // the latest, not yet handed on
  bool finished = false;
  workflows::ScreenReport report;
  std::exception_ptr failure;
  CancellationToken cancel;
};

py::dict screen(const std::string& job_file, const std::vector<std::string>& library, const std::string& output,
                bool resume, bool overwrite, unsigned threads, const std::string& device, const py::object& progress) {
  workflows::ScreenRequest request;
  {
    py::gil_scoped_release release;
    request.job = workflows::read_screen_job(job_file, library);
  }
  request.output = output.empty() ? request.job.output : output;
  request.resume = resume;
  request.overwrite = overwrite;
  request.threads = threads;
  request.device = kernels::parse_device(device);
  Run run;
  request.cancel = &run.cancel;
  std::thread worker([&] {
    try {
      run.report = workflows::run_screen(request, [&](const workflows::ScreenStatus& s) {
        const std::lock_guard<std::mutex> lock(run.mutex);
        run.status = s;
        run.changed.notify_one();
      });
    } catch (...) {
      run.failure = std::current_exception();
    }
    const std::lock_guard<std::mutex> lock(run.mutex);
    run.finished = true;
    run.changed.notify_one();
  });
  std::exception_ptr callback_failure;  // Ctrl-C, or what the callback raised
  while (true) {
    std::optional<workflows::ScreenStatus> status;
    bool finished = false;
    {
      py::gil_scoped_release release;
      std::unique_lock<std::mutex> lock(run.mutex);
      run.changed.wait_for(lock, std::chrono::milliseconds(100), [&] { return run.finished || run.status; });
      status.swap(run.status);
      finished = run.finished;
    }
    if (!callback_failure) {
      try {
        if (PyErr_CheckSignals() != 0) throw py::error_already_set();
        if (status && !progress.is_none()) progress(status_dict(*status));
      } catch (...) {
        callback_failure = std::current_exception();
        run.cancel.cancel();
      }
    }
    if (finished) break;
  }
  worker.join();
  if (callback_failure) std::rethrow_exception(callback_failure);
  if (run.failure) std::rethrow_exception(run.failure);
  py::dict report = report_dict(run.report);
  std::vector<std::string> distances;  // one sentence per model, as the command line prints them
  for (const workflows::ModelDistance& d : workflows::model_distances(workflows::ResultsStore(request.output)))
    distances.push_back(d.sentence);
  report["domain"] = distances;
  return report;
}

}  // namespace

void bind_screen(py::module_& m) {
  m.def("screen", &screen, py::arg("job"), py::arg("library"), py::arg("output"), py::arg("resume"),
        py::arg("overwrite"), py::arg("threads"), py::arg("device"), py::arg("progress"));
}

}  // namespace molsieve::python
