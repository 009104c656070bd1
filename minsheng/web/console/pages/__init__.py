"""The console's pages, one module each; minsheng.web.console.routes gathers their routers."""
