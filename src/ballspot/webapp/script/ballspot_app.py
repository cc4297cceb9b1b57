"""The script `ballspot app` hands to Streamlit; the page itself is `ballspot.webapp.page.main`.

It sits alone in its folder because Streamlit puts the script's folder on `sys.path`.
"""

from ballspot.webapp.page import main

main()
