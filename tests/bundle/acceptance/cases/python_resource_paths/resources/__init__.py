from databricks.bundles.core import Bundle, Resources
from databricks.bundles.jobs import Job, NotebookTask, SparkPythonTask, Task


def load_resources(bundle: Bundle) -> Resources:
    # Paths in Python resources are relative to the bundle root, not to this file.
    resources = Resources()
    resources.add_job("branching", Job(name="branching", tasks=[
        Task(task_key="check", notebook_task=NotebookTask(notebook_path="src/branch/check.py")),
        Task(task_key="score", spark_python_task=SparkPythonTask(python_file="src/score.py")),
    ]))
    return resources
