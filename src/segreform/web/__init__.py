"""segreform.web"""
